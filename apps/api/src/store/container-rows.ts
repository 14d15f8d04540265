import { ContainerEventAction, type ContainerEventRecord, ContainerInfo } from "@crowsnest/protocol";
import type { StoredContainer } from "./store.ts";

/** A row of `containers` as both backends select it (CONTAINER_COLUMNS). */
export interface ContainerRow {
  host_id: string;
  info: string;
  updated_at: number;
  removed_at: number | null;
}

/** The columns of `containers` that a ContainerRow holds, for a SELECT list. */
export const CONTAINER_COLUMNS = "host_id, info, updated_at, removed_at";

/** A row of `container_events` as both backends select it. */
export interface ContainerEventRow {
  time: number;
  action: string;
  exit_code: number | null;
  /** A boolean on PostgreSQL, 0 or 1 on SQLite. */
  oom_killed: boolean | number;
}

/** A ContainerRow as the contract's StoredContainer (its info parsed again, so a hand-edited row cannot pass a bad shape). */
export function toStoredContainer(row: ContainerRow): StoredContainer {
  return {
    hostId: row.host_id,
    info: ContainerInfo.parse(JSON.parse(row.info)),
    updatedAt: row.updated_at,
    removedAt: row.removed_at,
  };
}

/** A ContainerEventRow as the contract's ContainerEventRecord. */
export function toContainerEvent(row: ContainerEventRow): ContainerEventRecord {
  return {
    time: row.time,
    action: ContainerEventAction.parse(row.action),
    exitCode: row.exit_code,
    oomKilled: row.oom_killed === true || row.oom_killed === 1,
  };
}
