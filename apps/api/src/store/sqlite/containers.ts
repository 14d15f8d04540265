import type { DatabaseSync } from "node:sqlite";
import { ContainerEventAction, type ContainerEventRecord, ContainerInfo } from "@crowsnest/protocol";
import type { ContainerEventQuery, ContainerRepository, StoredContainer } from "../store.ts";

interface ContainerRow {
  host_id: string;
  info: string;
  updated_at: number;
  removed_at: number | null;
}

interface EventRow {
  time: number;
  action: string;
  exit_code: number | null;
  oom_killed: number;
}

const COLUMNS = "host_id, info, updated_at, removed_at";

export class SqliteContainerRepository implements ContainerRepository {
  readonly #listAll;
  readonly #listHost;
  readonly #get;
  readonly #find;
  readonly #events;

  constructor(db: DatabaseSync) {
    this.#listAll = db.prepare(
      `SELECT ${COLUMNS} FROM containers WHERE removed_at IS NULL ORDER BY host_id, id`,
    );
    this.#listHost = db.prepare(
      `SELECT ${COLUMNS} FROM containers WHERE host_id = ? AND removed_at IS NULL ORDER BY id`,
    );
    this.#get = db.prepare(
      `SELECT ${COLUMNS} FROM containers WHERE host_id = ? AND id = ? AND removed_at IS NULL`,
    );
    this.#find = db.prepare(`SELECT ${COLUMNS} FROM containers WHERE host_id = ? AND id = ?`);
    this.#events = db.prepare(`
      SELECT time, action, exit_code, oom_killed FROM (
        SELECT id, time, action, exit_code, oom_killed FROM container_events
        WHERE host_id = ? AND container_id = ? AND time BETWEEN ? AND ?
        ORDER BY time DESC, id DESC LIMIT ?
      ) ORDER BY time, id`);
  }

  async list(hostId?: string): Promise<StoredContainer[]> {
    const rows = (hostId === undefined
      ? this.#listAll.all()
      : this.#listHost.all(hostId)) as unknown as ContainerRow[];
    return rows.map(toStored);
  }

  async get(hostId: string, containerId: string): Promise<StoredContainer | null> {
    const row = this.#get.get(hostId, containerId) as ContainerRow | undefined;
    return row ? toStored(row) : null;
  }

  async find(hostId: string, containerId: string): Promise<StoredContainer | null> {
    const row = this.#find.get(hostId, containerId) as ContainerRow | undefined;
    return row ? toStored(row) : null;
  }

  async events(q: ContainerEventQuery): Promise<ContainerEventRecord[]> {
    const rows = this.#events.all(q.hostId, q.containerId, q.from, q.to, q.limit) as unknown as EventRow[];
    return rows.map((row) => ({
      time: row.time,
      action: ContainerEventAction.parse(row.action),
      exitCode: row.exit_code,
      oomKilled: row.oom_killed === 1,
    }));
  }
}

function toStored(row: ContainerRow): StoredContainer {
  return {
    hostId: row.host_id,
    info: ContainerInfo.parse(JSON.parse(row.info)),
    updatedAt: row.updated_at,
    removedAt: row.removed_at,
  };
}
