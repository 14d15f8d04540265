import type { DatabaseLocation } from "./database-url.ts";
import { openPostgresStore } from "./postgres/postgres-store.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";
import { DEFAULT_KEEP_MS, type KeptRetention, keepMsOf } from "./time-window.ts";

/**
 * Opens the store the configuration names (`Config.database`, from `--database-url`) for the
 * server and the CLI: the backend's connection made and its schema brought up to date. Async,
 * as a networked backend's connecting and migrating is. Rejects when the database cannot be
 * opened or its schema is newer than this server. `retention` (`Config.retention`) sets how far
 * back a write's telemetry is still stored (keepMsOf, TimeWindow); without it, DEFAULT_KEEP_MS.
 */
export async function openStore(config: {
  database: DatabaseLocation;
  retention?: KeptRetention;
}): Promise<Store> {
  const keepMs = config.retention === undefined ? DEFAULT_KEEP_MS : keepMsOf(config.retention);
  switch (config.database.backend) {
    case "sqlite":
      return openSqliteStore(config.database.path, keepMs);
    case "postgres":
      return openPostgresStore(config.database.url, config.database.poolSize, keepMs);
  }
}
