import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { Store } from "../../src/store/store.ts";

/** The PostgreSQL server tests create their databases on (trust auth on these machines). */
export const TEST_POSTGRES_URL =
  process.env.CROWSNEST_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh, empty database on TEST_POSTGRES_URL's server: its URL, and `drop` to remove it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a database `crowsnest_test_<random>`. Rejects (never skips) when the server cannot be
 * reached: a test that needs PostgreSQL fails without it.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `crowsnest_test_${randomBytes(6).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE ends sessions still connected (a lease of a store a failed test did not close).
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A new PostgreSQL store on a database of its own, dropped when the store closes. */
export async function openTempPostgresStore(): Promise<Store> {
  const database = await createTestDatabase();
  let store: Store;
  try {
    store = await openPostgresStore(database.url, 4);
  } catch (err) {
    await database.drop();
    throw err;
  }
  return {
    ...store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
