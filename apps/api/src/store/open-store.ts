import type { DatabaseLocation } from "./database-url.ts";
import { openPostgresStore } from "./postgres/postgres-store.ts";
import { openSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

/**
 * Opens the store the configuration names (`Config.database`, from `--database-url`) for the
 * server and the CLI: the backend's connection made and its schema brought up to date. Async,
 * as a networked backend's connecting and migrating is. Rejects when the database cannot be
 * opened or its schema is newer than this server.
 */
export async function openStore(config: { database: DatabaseLocation }): Promise<Store> {
  switch (config.database.backend) {
    case "sqlite":
      return openSqliteStore(config.database.path);
    case "postgres":
      return openPostgresStore(config.database.url, config.database.poolSize);
  }
}
