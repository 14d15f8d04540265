import { randomBytes } from "node:crypto";
import { HostInfo } from "@crowsnest/protocol";
import { HostNameTakenError } from "./host-name-taken.ts";
import type { HostConflict, HostRecord } from "./store.ts";

/** A row of `hosts` as both backends select it (HOST_COLUMNS). */
export interface HostRow {
  id: string;
  name: string;
  created_at: number;
  last_seen: number | null;
  agent_version: string | null;
  info: string | null;
  dropped_batches: number;
  conflict_refused_at: number | null;
  conflict_refusals: number;
  conflict_host_info: string | null;
  revoked_at: number | null;
  deleted_at: number | null;
}

/** The columns of `hosts` that a HostRow holds, for a SELECT list. */
export const HOST_COLUMNS =
  "id, name, created_at, last_seen, agent_version, info, dropped_batches, conflict_refused_at, conflict_refusals, conflict_host_info, revoked_at, deleted_at";

/**
 * The record of a host that `create` is about to insert: a new random id, the name, the time of
 * creation, and nothing seen of it yet.
 */
export function newHostRecord(name: string, now: number): HostRecord {
  return {
    id: randomBytes(9).toString("base64url"),
    name,
    createdAt: now,
    lastSeen: null,
    agentVersion: null,
    info: null,
    droppedBatches: 0,
    conflict: null,
    revokedAt: null,
    deletedAt: null,
  };
}

/**
 * What `create` throws when the INSERT of a host row failed with `err`: HostNameTakenError when the
 * row broke the unique key on the name (`uniqueViolation`, as the backend tells it from its error),
 * else `err` itself.
 */
export function hostInsertError(err: unknown, name: string, uniqueViolation: boolean): unknown {
  return uniqueViolation ? new HostNameTakenError(name) : err;
}

/** A HostRow as the contract's HostRecord. */
export function toHostRecord(row: HostRow): HostRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    lastSeen: row.last_seen,
    agentVersion: row.agent_version,
    // Stored from a validated hello; parsed again so that a hand-edited row cannot smuggle in a bad shape.
    info: row.info === null ? null : HostInfo.parse(JSON.parse(row.info)),
    droppedBatches: row.dropped_batches,
    conflict: toConflict(row),
    revokedAt: row.revoked_at,
    deletedAt: row.deleted_at,
  };
}

function toConflict(row: HostRow): HostConflict | null {
  if (row.conflict_refused_at === null || row.conflict_host_info === null) return null;
  return {
    lastRefusedAt: row.conflict_refused_at,
    refusedConnections: row.conflict_refusals,
    refusedHost: HostInfo.parse(JSON.parse(row.conflict_host_info)),
  };
}
