import type { DatabaseSync } from "node:sqlite";
import { ContainerInfo } from "@crowsnest/protocol";
import type { ContainerRepository, StoredContainer } from "../store.ts";

interface ContainerRow {
  host_id: string;
  info: string;
  updated_at: number;
}

export class SqliteContainerRepository implements ContainerRepository {
  readonly #listAll;
  readonly #listHost;
  readonly #get;

  constructor(db: DatabaseSync) {
    this.#listAll = db.prepare("SELECT host_id, info, updated_at FROM containers ORDER BY host_id, id");
    this.#listHost = db.prepare(
      "SELECT host_id, info, updated_at FROM containers WHERE host_id = ? ORDER BY id",
    );
    this.#get = db.prepare("SELECT host_id, info, updated_at FROM containers WHERE host_id = ? AND id = ?");
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
}

function toStored(row: ContainerRow): StoredContainer {
  return { hostId: row.host_id, info: ContainerInfo.parse(JSON.parse(row.info)), updatedAt: row.updated_at };
}
