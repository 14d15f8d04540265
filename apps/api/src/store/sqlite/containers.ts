import type { DatabaseSync } from "node:sqlite";
import type { ContainerEventRecord } from "@crowsnest/protocol";
import {
  CONTAINER_COLUMNS,
  type ContainerEventRow,
  type ContainerRow,
  toContainerEvent,
  toStoredContainer,
} from "../container-rows.ts";
import type { ContainerEventQuery, ContainerRepository, StoredContainer } from "../store.ts";

export class SqliteContainerRepository implements ContainerRepository {
  readonly #listAll;
  readonly #listHost;
  readonly #get;
  readonly #find;
  readonly #events;

  constructor(db: DatabaseSync) {
    this.#listAll = db.prepare(
      `SELECT ${CONTAINER_COLUMNS} FROM containers WHERE removed_at IS NULL ORDER BY host_id, id`,
    );
    this.#listHost = db.prepare(
      `SELECT ${CONTAINER_COLUMNS} FROM containers WHERE host_id = ? AND removed_at IS NULL ORDER BY id`,
    );
    this.#get = db.prepare(
      `SELECT ${CONTAINER_COLUMNS} FROM containers WHERE host_id = ? AND id = ? AND removed_at IS NULL`,
    );
    this.#find = db.prepare(`SELECT ${CONTAINER_COLUMNS} FROM containers WHERE host_id = ? AND id = ?`);
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
    return rows.map(toStoredContainer);
  }

  async get(hostId: string, containerId: string): Promise<StoredContainer | null> {
    const row = this.#get.get(hostId, containerId) as ContainerRow | undefined;
    return row ? toStoredContainer(row) : null;
  }

  async find(hostId: string, containerId: string): Promise<StoredContainer | null> {
    const row = this.#find.get(hostId, containerId) as ContainerRow | undefined;
    return row ? toStoredContainer(row) : null;
  }

  async events(q: ContainerEventQuery): Promise<ContainerEventRecord[]> {
    const rows = this.#events.all(
      q.hostId,
      q.containerId,
      q.from,
      q.to,
      q.limit,
    ) as unknown as ContainerEventRow[];
    return rows.map(toContainerEvent);
  }
}
