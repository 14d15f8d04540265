import { isAbsolute, join, resolve } from "node:path";

/**
 * Which backend holds the store, and where: what `--database-url` (CROWSNEST_DATABASE_URL) says,
 * parsed once at start-up. `sqlite`: a database file (`:memory:` for one that lives as long as
 * the process). PostgreSQL joins the union in the scale-out issue.
 */
export type DatabaseLocation = { backend: "sqlite"; path: string };

/** The file name of the default store, under the data directory. */
const DEFAULT_SQLITE_FILE = "crowsnest.db";

/** What `--database-url` accepts, as the settings table and its refusal say it. */
export const DATABASE_URL_FORMS = "sqlite:FILE (a relative FILE from the working directory)";

/** The store when no database URL is given: the SQLite file `crowsnest.db` in `dataDir`. */
export function defaultDatabase(dataDir: string): DatabaseLocation {
  return { backend: "sqlite", path: join(dataDir, DEFAULT_SQLITE_FILE) };
}

/**
 * A database URL to a location, or null when its scheme names no backend this server has (so a
 * `postgres://…` URL is refused at start, never taken for a SQLite file). `sqlite:FILE` takes
 * FILE as written after the colon, relative paths resolved from the working directory;
 * `sqlite::memory:` is a database in memory.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation | null {
  const match = /^sqlite:(.+)$/i.exec(url);
  const path = match?.[1];
  if (path === undefined) return null;
  if (path === ":memory:") return { backend: "sqlite", path };
  return { backend: "sqlite", path: isAbsolute(path) ? path : resolve(path) };
}
