import { join } from "node:path";
import type { Config } from "../config.ts";
import { openSqliteStore, type SqliteStore } from "./sqlite/sqlite-store.ts";

/** The store the server and the CLI use: the SQLite file under the data directory. */
export function openStore(config: Pick<Config, "dataDir">): SqliteStore {
  return openSqliteStore(join(config.dataDir, "crowsnest.db"));
}
