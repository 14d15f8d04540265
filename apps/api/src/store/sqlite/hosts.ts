import { randomBytes } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { HostInfo } from "@crowsnest/protocol";
import type { HostConflict, HostRecord, HostRepository, NewHostAccess } from "../store.ts";
import { transaction } from "./database.ts";
import type { HostAccessStatements } from "./host-access.ts";

interface HostRow {
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
}

const COLUMNS =
  "id, name, created_at, last_seen, agent_version, info, dropped_batches, conflict_refused_at, conflict_refusals, conflict_host_info";

export class SqliteHostRepository implements HostRepository {
  readonly #db: DatabaseSync;
  readonly #access: HostAccessStatements;
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #lastSeq;
  readonly #conflict;

  constructor(db: DatabaseSync, access: HostAccessStatements) {
    this.#db = db;
    this.#access = access;
    this.#insert = db.prepare("INSERT INTO hosts (id, name, created_at) VALUES (?, ?, ?)");
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM hosts WHERE id = ?`);
    this.#list = db.prepare(`SELECT ${COLUMNS} FROM hosts ORDER BY name, id`);
    this.#lastSeq = db.prepare("SELECT max(seq) AS seq FROM ingested_batches WHERE host_id = ?");
    this.#conflict = db.prepare(
      "UPDATE hosts SET conflict_refused_at = ?, conflict_refusals = conflict_refusals + 1, conflict_host_info = ? WHERE id = ?",
    );
  }

  async create(name: string, now: number, access: NewHostAccess): Promise<HostRecord> {
    const id = randomBytes(9).toString("base64url");
    transaction(this.#db, () => {
      this.#insert.run(id, name, now);
      this.#access.grant(id, access, now);
    });
    return {
      id,
      name,
      createdAt: now,
      lastSeen: null,
      agentVersion: null,
      info: null,
      droppedBatches: 0,
      conflict: null,
    };
  }

  async revoke(hostId: string, now: number): Promise<number> {
    return transaction(this.#db, () => this.#access.revokeAll(hostId, now));
  }

  async get(hostId: string): Promise<HostRecord | null> {
    const row = this.#get.get(hostId) as HostRow | undefined;
    return row ? toRecord(row) : null;
  }

  async list(): Promise<HostRecord[]> {
    return (this.#list.all() as unknown as HostRow[]).map(toRecord);
  }

  async lastStoredSeq(hostId: string): Promise<number | null> {
    return (this.#lastSeq.get(hostId) as { seq: number | null }).seq;
  }

  async recordConflict(hostId: string, refusedHost: HostInfo, at: number): Promise<void> {
    this.#conflict.run(at, JSON.stringify(refusedHost), hostId);
  }
}

function toRecord(row: HostRow): HostRecord {
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
