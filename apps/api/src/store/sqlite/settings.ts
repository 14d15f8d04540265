import type { DatabaseSync } from "node:sqlite";
import type { SettingsRepository } from "../store.ts";

/** Run-time settings, one row per key. */
export class SqliteSettingsRepository implements SettingsRepository {
  readonly #get;
  readonly #upsert;
  readonly #delete;

  constructor(db: DatabaseSync) {
    this.#get = db.prepare("SELECT value FROM settings WHERE key = ?");
    this.#upsert = db.prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.#delete = db.prepare("DELETE FROM settings WHERE key = ?");
  }

  async get(key: string): Promise<string | null> {
    const row = this.#get.get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async set(key: string, value: string | null, now: number): Promise<void> {
    if (value === null) this.#delete.run(key);
    else this.#upsert.run(key, value, now);
  }
}
