import Fastify from "fastify";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Retention } from "../../src/retention/retention.ts";
import { LEASE_APPLICATION_NAME } from "../../src/store/postgres/lease.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { Store } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";
import { createTestDatabase, type TestDatabase } from "./postgres-database.ts";

/** Two replicas' stores on one PostgreSQL database: each maintenance task is led by one of them at a time. */
describe("PostgreSQL maintenance lease", () => {
  let database: TestDatabase;
  let first: Store;
  let second: Store;
  beforeEach(async () => {
    database = await createTestDatabase();
    first = await openPostgresStore(database.url, 2);
    second = await openPostgresStore(database.url, 2);
  });
  afterEach(async () => {
    await first.close();
    await second.close();
    await database.drop();
  });

  it("lets one store lead a task; the other leads it once the first closes", async () => {
    expect(await first.maintenance.tryLead("retention")).toBe(true);
    expect(await second.maintenance.tryLead("retention")).toBe(false);
    // Another task is a lease of its own.
    expect(await second.maintenance.tryLead("session-sweep")).toBe(true);
    expect(await first.maintenance.tryLead("session-sweep")).toBe(false);
    expect(await first.maintenance.tryLead("retention")).toBe(true);

    await first.close();
    expect(await second.maintenance.tryLead("retention")).toBe(true);
    expect(await second.maintenance.tryLead("retention")).toBe(true);
  });

  it("frees a lease when its holder's session dies, as when its replica is killed", async () => {
    expect(await first.maintenance.tryLead("retention")).toBe(true);
    expect(await second.maintenance.tryLead("retention")).toBe(false);

    // The database ends the first store's lease session (what a SIGKILLed replica's socket closing does).
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = $1 AND pid IN (
           SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
        [LEASE_APPLICATION_NAME],
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }

    expect(await second.maintenance.tryLead("retention")).toBe(true);
    // The first store, whatever its next call says, does not lead while the second does.
    const firstLeads = await first.maintenance.tryLead("retention").catch(() => false);
    expect(firstLeads).toBe(false);
    expect(await first.maintenance.tryLead("retention")).toBe(false);
  });

  it("runs the periodic retention sweep on one replica: the other sweeps nothing until the first is gone", async () => {
    const config = {
      rawMetricsMs: 1,
      rollupMetricsMs: 1,
      logsMs: 1,
      logBytesPerHost: 1_000_000,
      batchLedgerMs: 1,
      intervalMs: 60_000,
      batchRows: 100,
    };
    const log = Fastify({ logger: false }).log;
    const hostId = (await first.hosts.create("h", 0, anyCredential())).id;
    const lines = ["a", "b"].map((text, i) => logLine(newContainerId(), 1_000 + i, text));
    await first.telemetry.write([
      { kind: "batch", hostId, at: 0, message: { type: "logs", seq: 1, lines, drops: [] } },
    ]);
    const onFirst = new Retention(first.retention, first.maintenance, config, log);
    const onSecond = new Retention(second.retention, second.maintenance, config, log);
    const now = 1_000_000;

    expect(await onFirst.sweepIfLeading(now)).toMatchObject({ logsExpired: 2, batchLedger: 1 });
    expect(await onSecond.sweepIfLeading(now)).toBeNull();
    await first.close();
    expect(await onSecond.sweepIfLeading(now)).toMatchObject({ logsExpired: 0 });
  });
});
