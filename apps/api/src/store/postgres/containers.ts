import { ContainerEventAction, type ContainerEventRecord, ContainerInfo } from "@crowsnest/protocol";
import type pg from "pg";
import type { ContainerEventQuery, ContainerRepository, StoredContainer } from "../store.ts";

interface ContainerRow {
  host_id: string;
  info: string;
  updated_at: number;
  removed_at: number | null;
}

const COLUMNS = "host_id, info, updated_at, removed_at";

export class PgContainerRepository implements ContainerRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async list(hostId?: string): Promise<StoredContainer[]> {
    const { rows } =
      hostId === undefined
        ? await this.#pool.query<ContainerRow>(
            `SELECT ${COLUMNS} FROM containers WHERE removed_at IS NULL ORDER BY host_id, id`,
          )
        : await this.#pool.query<ContainerRow>(
            `SELECT ${COLUMNS} FROM containers WHERE host_id = $1 AND removed_at IS NULL ORDER BY id`,
            [hostId],
          );
    return rows.map(toStored);
  }

  async get(hostId: string, containerId: string): Promise<StoredContainer | null> {
    const { rows } = await this.#pool.query<ContainerRow>(
      `SELECT ${COLUMNS} FROM containers WHERE host_id = $1 AND id = $2 AND removed_at IS NULL`,
      [hostId, containerId],
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  async find(hostId: string, containerId: string): Promise<StoredContainer | null> {
    const { rows } = await this.#pool.query<ContainerRow>(
      `SELECT ${COLUMNS} FROM containers WHERE host_id = $1 AND id = $2`,
      [hostId, containerId],
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  async events(q: ContainerEventQuery): Promise<ContainerEventRecord[]> {
    const { rows } = await this.#pool.query<{
      time: number;
      action: string;
      exit_code: number | null;
      oom_killed: boolean;
    }>(
      `SELECT time, action, exit_code, oom_killed FROM (
         SELECT id, time, action, exit_code, oom_killed FROM container_events
         WHERE host_id = $1 AND container_id = $2 AND time BETWEEN $3 AND $4
         ORDER BY time DESC, id DESC LIMIT $5
       ) AS newest ORDER BY time, id`,
      [q.hostId, q.containerId, q.from, q.to, q.limit],
    );
    return rows.map((row) => ({
      time: row.time,
      action: ContainerEventAction.parse(row.action),
      exitCode: row.exit_code,
      oomKilled: row.oom_killed,
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
