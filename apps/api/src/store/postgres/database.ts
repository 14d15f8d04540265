import pg from "pg";
import { type Migration, migrationsAfter } from "../migration-steps.ts";

/** A connection the repositories query through: the pool, or one client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/** PostgreSQL's type OID of `int8` (bigint). */
const INT8 = 20;

/**
 * Type parsers of this store's connections: `bigint` columns read as JS numbers. Every bigint the
 * schema holds is epoch ms, a count or an id (far below 2^53); the one that is not, log times in
 * nanoseconds, is read as text (`ts::text`) and parsed as a BigInt where it is selected.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * Connection settings of every client: a connection attempt gives up after CONNECT_TIMEOUT_MS (an
 * unreachable server fails a write instead of holding it, so the agent keeps the batch and resends
 * it), and TCP keep-alive finds a peer that vanished without closing the connection.
 */
const CONNECTION = { connectionTimeoutMillis: 5_000, keepAlive: true, types: TYPES } as const;

/**
 * A pool on the database at `url`: at most `max` connections (see database-url.ts for where the
 * size comes from). Idle connections close after 30 s so that a replica at rest holds few.
 */
export function createPool(url: string, max: number): pg.Pool {
  return new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, ...CONNECTION });
}

/**
 * A client of its own, outside the pool, with the store's type parsers; `name` is its
 * `application_name`, which tells its session apart in `pg_stat_activity`.
 */
export function createClient(url: string, name: string): pg.Client {
  return new pg.Client({ connectionString: url, application_name: name, ...CONNECTION });
}

/**
 * Runs fn inside BEGIN … COMMIT on one pooled client, rolling back (and rethrowing) if it throws.
 * The client goes back to the pool either way (destroyed when its connection broke).
 */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // The pool stops listening to a client it hands out: a connection lost between two statements
  // (a server restart) is then an 'error' event that, unheard, would end the process. Heard here;
  // the next statement fails with it anyway, and the client is destroyed rather than reused.
  const lost = (err: Error) => {
    broken = err;
  };
  client.on("error", lost);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw err;
  } finally {
    client.off("error", lost);
    client.release(broken);
  }
}

/**
 * Text as PostgreSQL can hold it: its `text` refuses U+0000, which outside input may carry (a
 * container's log line, a username typed at the sign-in form), so U+0000 becomes U+FFFD, as
 * invalid UTF-8 does, rather than the statement failing (and a batch failing each time it is resent).
 */
export function pgText(text: string): string {
  return text.includes("\0") ? text.replaceAll("\0", "\uFFFD") : text;
}

/** The SQLSTATE of a PostgreSQL error (`23505` unique violation…), or undefined for any other error. */
export function sqlState(err: unknown): string | undefined {
  return err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : undefined;
}

/**
 * Key of the transaction-scoped advisory lock that serialises schema changes (migrations and
 * partition creation) across replicas starting or writing at once. Any constant; "cnschema".
 */
export const SCHEMA_LOCK = 0x636e_7363_6865_6d61n;

/**
 * Key of the transaction-scoped advisory lock under which raw-sample chunks are rewritten
 * (PgMetricPacker) or deleted with their host: the retention lease makes one replica the packer,
 * but a lease lost in the middle of a sweep lets a second begin before the first has finished, and
 * two transactions rewriting one chunk would each write what they read. "cnchunks".
 */
export const CHUNKS_LOCK = 0x636e_6368_756e_6b73n;

/**
 * Applies, each in its own transaction, the migrations newer than the highest version recorded in
 * `schema_migrations`, under SCHEMA_LOCK so that replicas starting together migrate once. Rejects
 * when the database's schema is newer than this server (as SQLite's `migrate` does). Returns the
 * version reached.
 */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[]): Promise<number> {
  return transaction(pool, async (client) => {
    // Locked before anything is created: two replicas creating the table at once would collide.
    await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK.toString()]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number | null }>(
      "SELECT max(version) AS version FROM schema_migrations",
    );
    let current = rows[0]?.version ?? 0;
    for (const migration of migrationsAfter(current, migrations)) {
      // One transaction for all of them: PostgreSQL's DDL is transactional, so a failed step leaves nothing half done.
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      current = migration.version;
    }
    return current;
  });
}
