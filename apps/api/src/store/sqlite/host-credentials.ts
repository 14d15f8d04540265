import type { DatabaseSync } from "node:sqlite";
import type { HostCredentialRepository } from "../store.ts";

export class SqliteHostCredentialRepository implements HostCredentialRepository {
  readonly #find;

  constructor(db: DatabaseSync) {
    this.#find = db.prepare(
      "SELECT host_id FROM host_credentials WHERE token_hash = ? AND revoked_at IS NULL",
    );
  }

  async findHost(tokenHash: string): Promise<string | null> {
    const row = this.#find.get(tokenHash) as { host_id: string } | undefined;
    return row?.host_id ?? null;
  }
}
