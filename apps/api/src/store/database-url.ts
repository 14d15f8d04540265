import { isAbsolute, join, resolve } from "node:path";

/**
 * Which backend holds the store, and where: what `--database-url` (CROWSNEST_DATABASE_URL) says,
 * parsed once at start-up. `sqlite`: a database file (`:memory:` for one that lives as long as
 * the process). `postgres`: a PostgreSQL database, shared by every replica that names it; `url` is
 * the connection URL without this server's own parameter (`pool_size`), `poolSize` the most
 * connections this server opens to it (its maintenance lease uses one more, see PgMaintenanceLease).
 */
export type DatabaseLocation =
  | { backend: "sqlite"; path: string }
  | { backend: "postgres"; url: string; poolSize: number };

/** The file name of the default store, under the data directory. */
const DEFAULT_SQLITE_FILE = "crowsnest.db";

/**
 * Connections per replica when the URL does not say: PostgreSQL 15's default `max_connections` is
 * 100, and pool × replicas (plus one lease session each) should stay under about 80 (see
 * ../shared/notes/scale-out.md §0), so three replicas at 10 leave room for psql and a fourth.
 */
export const DEFAULT_POOL_SIZE = 10;
/** The most connections a replica may ask for: PostgreSQL's default `max_connections`. */
const MAX_POOL_SIZE = 100;

/** What `--database-url` accepts, as the settings table and its refusal say it. */
export const DATABASE_URL_FORMS =
  "sqlite:FILE (a relative FILE from the working directory), or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (also postgresql://; `?pool_size=N` connections per server, 1–100, default 10)";

/** The store when no database URL is given: the SQLite file `crowsnest.db` in `dataDir`. */
export function defaultDatabase(dataDir: string): DatabaseLocation {
  return { backend: "sqlite", path: join(dataDir, DEFAULT_SQLITE_FILE) };
}

/**
 * A database URL to a location, or null when its scheme names no backend this server has or it is
 * malformed (a `pool_size` that is not an integer in 1–100), so that it is refused at start.
 * `sqlite:FILE` takes FILE as written after the colon, relative paths resolved from the working
 * directory; `sqlite::memory:` is a database in memory. `postgres://` and `postgresql://` URLs are
 * passed to node-postgres as they are, `pool_size` taken out.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation | null {
  if (/^postgres(ql)?:\/\//i.test(url)) return parsePostgresUrl(url);
  const match = /^sqlite:(.+)$/i.exec(url);
  const path = match?.[1];
  if (path === undefined) return null;
  if (path === ":memory:") return { backend: "sqlite", path };
  return { backend: "sqlite", path: isAbsolute(path) ? path : resolve(path) };
}

function parsePostgresUrl(raw: string): DatabaseLocation | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const size = url.searchParams.get("pool_size");
  url.searchParams.delete("pool_size");
  if (size === null) return { backend: "postgres", url: url.toString(), poolSize: DEFAULT_POOL_SIZE };
  const poolSize = Number(size);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > MAX_POOL_SIZE) return null;
  return { backend: "postgres", url: url.toString(), poolSize };
}

/** The location as shown in settings and logs: a PostgreSQL URL without its password. */
export function showDatabase(location: DatabaseLocation): string {
  if (location.backend === "sqlite") return `sqlite:${location.path}`;
  const url = new URL(location.url);
  if (url.password !== "") url.password = "***";
  return `${url.toString()} (pool ${location.poolSize})`;
}
