import type pg from "pg";
import type { HostCredentialRepository } from "../store.ts";

export class PgHostCredentialRepository implements HostCredentialRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async findHost(tokenHash: string): Promise<string | null> {
    const { rows } = await this.#pool.query<{ host_id: string }>(
      "SELECT host_id FROM host_credentials WHERE token_hash = $1 AND revoked_at IS NULL",
      [tokenHash],
    );
    return rows[0]?.host_id ?? null;
  }
}
