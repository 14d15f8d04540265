import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { Store, WriteResult } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";
import { createTestDatabase, type TestDatabase } from "./postgres-database.ts";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A host deleted on PostgreSQL while a write of it is in its transaction: the delete waits for the
 * write (which holds the host FOR KEY SHARE) and then deletes its rows too, so nothing of the host
 * is left, whichever of them began first.
 */
describe("PostgreSQL store: deleting a host while a write of it runs", () => {
  let database: TestDatabase;
  let store: Store;
  let admin: pg.Client;
  beforeEach(async () => {
    database = await createTestDatabase();
    store = await openPostgresStore(database.url, 4);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterEach(async () => {
    await admin.end();
    await store.close();
    await database.drop();
  });

  it("leaves no row of the host once both are done", async () => {
    const hostId = (await store.hosts.create("racing", 0, anyCredential())).id;
    const containerId = newContainerId();
    // Holds the write inside its transaction, after it locked the host: the ledger insert waits.
    await admin.query("BEGIN");
    await admin.query("LOCK TABLE ingested_batches IN SHARE MODE");
    const write: Promise<WriteResult[]> = store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: 70_000,
        message: { type: "logs", seq: 1, lines: [logLine(containerId, 60_000, "racing")], drops: [] },
      },
    ]);
    await pause(300);
    const deleted = store.hosts.delete(hostId);
    await pause(300);
    await admin.query("COMMIT");
    expect(await write).toEqual(["stored"]);
    expect(await deleted).toBe(true);
    const { rows } = await admin.query<{ hosts: string; series: string; lines: string; ledger: string }>(
      `SELECT (SELECT count(*) FROM hosts) AS hosts, (SELECT count(*) FROM series) AS series,
              (SELECT count(*) FROM log_lines) AS lines, (SELECT count(*) FROM ingested_batches) AS ledger`,
    );
    expect(rows[0]).toEqual({ hosts: "0", series: "0", lines: "0", ledger: "0" });
  });
});
