import type pg from "pg";
import type { SettingsRepository } from "../store.ts";

/** Run-time settings, one row per key. */
export class PgSettingsRepository implements SettingsRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async get(key: string): Promise<string | null> {
    const { rows } = await this.#pool.query<{ value: string }>("SELECT value FROM settings WHERE key = $1", [
      key,
    ]);
    return rows[0]?.value ?? null;
  }

  async set(key: string, value: string | null, now: number): Promise<void> {
    if (value === null) {
      await this.#pool.query("DELETE FROM settings WHERE key = $1", [key]);
      return;
    }
    await this.#pool.query(
      `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, value, now],
    );
  }
}
