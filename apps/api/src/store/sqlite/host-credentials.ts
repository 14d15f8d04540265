import type { DatabaseSync } from "node:sqlite";
import type { HostCredentialRepository } from "../store.ts";

export class SqliteHostCredentialRepository implements HostCredentialRepository {
  readonly #insert;
  readonly #find;
  readonly #revoke;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      "INSERT INTO host_credentials (token_hash, host_id, created_at) VALUES (?, ?, ?)",
    );
    this.#find = db.prepare(
      "SELECT host_id FROM host_credentials WHERE token_hash = ? AND revoked_at IS NULL",
    );
    this.#revoke = db.prepare(
      "UPDATE host_credentials SET revoked_at = ? WHERE host_id = ? AND revoked_at IS NULL",
    );
  }

  async add(hostId: string, tokenHash: string, now: number): Promise<void> {
    this.#insert.run(tokenHash, hostId, now);
  }

  async findHost(tokenHash: string): Promise<string | null> {
    const row = this.#find.get(tokenHash) as { host_id: string } | undefined;
    return row?.host_id ?? null;
  }

  async revokeAll(hostId: string, now: number): Promise<number> {
    return Number(this.#revoke.run(now, hostId).changes);
  }
}
