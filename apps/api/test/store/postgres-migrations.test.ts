import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/store/postgres/migrations/index.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { createTestDatabase, type TestDatabase } from "./postgres-database.ts";

/** The PostgreSQL store's schema versions, recorded in `schema_migrations`. */
describe("PostgreSQL migrations", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  async function versions(): Promise<number[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>(
        "SELECT version FROM schema_migrations ORDER BY version",
      );
      return rows.map((row) => row.version);
    } finally {
      await client.end();
    }
  }

  it("migrates once when replicas open the same new database together, and again finds nothing to do", async () => {
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(database.url, 1)));
    await Promise.all(stores.map((store) => store.close()));
    expect(await versions()).toEqual(MIGRATIONS.map((m) => m.version));
    const again = await openPostgresStore(database.url, 1);
    await again.close();
    expect(await versions()).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("refuses a database whose schema is newer than this server", async () => {
    const store = await openPostgresStore(database.url, 1);
    await store.close();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
    await client.end();
    await expect(openPostgresStore(database.url, 1)).rejects.toThrow(
      `database schema version 999 is newer than this server (${MIGRATIONS.at(-1)?.version})`,
    );
  });
});
