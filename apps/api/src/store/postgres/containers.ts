import type { ContainerEventRecord } from "@crowsnest/protocol";
import type pg from "pg";
import {
  CONTAINER_COLUMNS,
  type ContainerEventRow,
  type ContainerRow,
  toContainerEvent,
  toStoredContainer,
} from "../container-rows.ts";
import type { ContainerEventQuery, ContainerRepository, StoredContainer } from "../store.ts";

export class PgContainerRepository implements ContainerRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async list(hostId?: string): Promise<StoredContainer[]> {
    const { rows } =
      hostId === undefined
        ? await this.#pool.query<ContainerRow>(
            `SELECT ${CONTAINER_COLUMNS} FROM containers WHERE removed_at IS NULL ORDER BY host_id, id`,
          )
        : await this.#pool.query<ContainerRow>(
            `SELECT ${CONTAINER_COLUMNS} FROM containers WHERE host_id = $1 AND removed_at IS NULL ORDER BY id`,
            [hostId],
          );
    return rows.map(toStoredContainer);
  }

  async get(hostId: string, containerId: string): Promise<StoredContainer | null> {
    const { rows } = await this.#pool.query<ContainerRow>(
      `SELECT ${CONTAINER_COLUMNS} FROM containers WHERE host_id = $1 AND id = $2 AND removed_at IS NULL`,
      [hostId, containerId],
    );
    return rows[0] ? toStoredContainer(rows[0]) : null;
  }

  async find(hostId: string, containerId: string): Promise<StoredContainer | null> {
    const { rows } = await this.#pool.query<ContainerRow>(
      `SELECT ${CONTAINER_COLUMNS} FROM containers WHERE host_id = $1 AND id = $2`,
      [hostId, containerId],
    );
    return rows[0] ? toStoredContainer(rows[0]) : null;
  }

  async events(q: ContainerEventQuery): Promise<ContainerEventRecord[]> {
    const { rows } = await this.#pool.query<ContainerEventRow>(
      `SELECT time, action, exit_code, oom_killed FROM (
         SELECT id, time, action, exit_code, oom_killed FROM container_events
         WHERE host_id = $1 AND container_id = $2 AND time BETWEEN $3 AND $4
         ORDER BY time DESC, id DESC LIMIT $5
       ) AS newest ORDER BY time, id`,
      [q.hostId, q.containerId, q.from, q.to, q.limit],
    );
    return rows.map(toContainerEvent);
  }
}
