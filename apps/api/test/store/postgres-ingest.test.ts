import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { downsample } from "../../src/store/downsample.ts";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { Store, TelemetryWrite } from "../../src/store/store.ts";
import { containerInfo, logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";
import { createTestDatabase, type TestDatabase } from "./postgres-database.ts";

const DAY = 86_400_000;
/** A day well inside the range of real times: 2024-10-04. */
const DAY0 = 20_000 * DAY;

/** What only PostgreSQL has: replicas writing at once to one database, and partitions by day. */
describe("PostgreSQL store: replicas and day partitions", () => {
  let database: TestDatabase;
  let first: Store;
  let second: Store;
  let admin: pg.Client;
  beforeEach(async () => {
    database = await createTestDatabase();
    first = await openPostgresStore(database.url, 3);
    second = await openPostgresStore(database.url, 3);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterEach(async () => {
    await admin.end();
    await first.close();
    await second.close();
    await database.drop();
  });

  async function count(sql: string): Promise<number> {
    const { rows } = await admin.query<{ n: string }>(sql);
    return Number(rows[0]?.n);
  }

  const partitions = (table: string) =>
    admin
      .query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = $1::regclass ORDER BY 1`,
        [table],
      )
      .then(({ rows }) => rows.map((row) => row.name));

  it("stores a batch sent to two replicas at once exactly once; the other replica calls it a duplicate", async () => {
    const hostId = (await first.hosts.create("h", 0, anyCredential())).id;
    const id = newContainerId();
    for (let seq = 1; seq <= 20; seq++) {
      const write: TelemetryWrite = {
        kind: "batch",
        hostId,
        at: DAY0 + seq,
        message: {
          type: "metrics",
          seq,
          samples: [metricSample(id, DAY0 + seq * 1_000), metricSample(id, DAY0 + seq * 1_000 + 500)],
        },
      };
      const lines: TelemetryWrite = {
        kind: "batch",
        hostId,
        at: DAY0 + seq,
        message: {
          type: "logs",
          seq: 1_000 + seq,
          lines: [logLine(id, DAY0 + seq, `line ${seq}`)],
          drops: [],
        },
      };
      const results = await Promise.all([
        first.telemetry.write([write, lines]),
        second.telemetry.write([lines, write]),
      ]);
      expect(results.flat().sort()).toEqual(["duplicate", "duplicate", "stored", "stored"]);
    }
    expect(await count("SELECT count(*) AS n FROM metric_samples")).toBe(40);
    expect(await count("SELECT count(*) AS n FROM log_lines")).toBe(20);
    expect(await count("SELECT count(*) AS n FROM ingested_batches")).toBe(40);
    // Each sample counted once in its minute, whichever replica stored it.
    expect(await count("SELECT sum(n) AS n FROM metric_rollups")).toBe(40);
    const range = { hostId, containerId: id, from: DAY0, to: DAY0 + DAY };
    expect(await second.metrics.raw(range)).toHaveLength(40);
    expect(await first.hosts.lastStoredSeq(hostId)).toBe(1_020);
  });

  it("stores many agents' writes in one call, each batch judged in order", async () => {
    const hosts = await Promise.all(
      ["a", "b", "c"].map((name) => first.hosts.create(name, 0, anyCredential())),
    );
    const id = newContainerId();
    const batch = (hostId: string, seq: number, text: string): TelemetryWrite => ({
      kind: "batch",
      hostId,
      at: DAY0,
      message: { type: "logs", seq, lines: [logLine(id, DAY0 + seq, text)], drops: [] },
    });
    const [a, b, c] = hosts.map((h) => h.id) as [string, string, string];
    expect(
      await first.telemetry.write([
        batch(a, 1, "a one"),
        batch(b, 1, "b one"),
        batch(a, 1, "a one"),
        batch(a, 1, "a one, forked"),
        { kind: "seen", hostId: c, at: DAY0 + 5 },
        batch(c, 1, "NUL \0 inside"),
      ]),
    ).toEqual(["stored", "stored", "duplicate", "collided", "stored", "stored"]);
    const texts = async (hostId: string) =>
      (
        await second.logs.query({
          hostId,
          containerId: id,
          from: msToTs(DAY0),
          to: msToTsEnd(DAY0 + DAY),
          words: null,
          stream: null,
          limit: 10,
          before: null,
        })
      ).lines.map((line) => line.text);
    expect(await texts(a)).toEqual(["a one", "a one, forked"]);
    expect(await texts(b)).toEqual(["b one"]);
    // PostgreSQL text cannot hold U+0000: kept as U+FFFD rather than failing the batch.
    expect(await texts(c)).toEqual(["NUL \uFFFD inside"]);
    expect((await second.hosts.get(c))?.lastSeen).toBe(DAY0 + 5);
  });

  it("carries on after the server ends its sessions (as a PostgreSQL restart does)", async () => {
    const hostId = (await first.hosts.create("h", 0, anyCredential())).id;
    const id = newContainerId();
    const write = (seq: number) =>
      first.telemetry.write([
        {
          kind: "batch",
          hostId,
          at: DAY0,
          message: { type: "metrics", seq, samples: [metricSample(id, DAY0 + seq)] },
        },
      ]);
    expect(await write(1)).toEqual(["stored"]);
    expect(await first.maintenance.tryLead("retention")).toBe(true);
    const { rowCount } = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    expect(rowCount).toBeGreaterThanOrEqual(2);
    // A write on a pooled connection the server ended is tried again on a new one.
    expect(await write(2)).toEqual(["stored"]);
    expect(await write(3)).toEqual(["stored"]);
    expect(await write(3)).toEqual(["duplicate"]);
    expect(await first.metrics.raw({ hostId, containerId: id, from: DAY0, to: DAY0 + DAY })).not.toHaveLength(
      0,
    );
    // The lease went with its session; whichever store asks first takes it again.
    const leads = await Promise.all([
      first.maintenance.tryLead("retention").catch(() => false),
      second.maintenance.tryLead("retention"),
    ]);
    expect(leads.filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(
      (await first.maintenance.tryLead("retention")) !== (await second.maintenance.tryLead("retention")),
    ).toBe(true);
  });

  it("takes an inventory snapshot that lists a container twice, the last listing winning", async () => {
    const hostId = (await first.hosts.create("h", 0, anyCredential())).id;
    const id = newContainerId();
    expect(
      await first.telemetry.write([
        {
          kind: "inventory",
          hostId,
          at: DAY0,
          snapshot: {
            type: "inventory",
            time: DAY0,
            containers: [containerInfo(id, "old-name"), containerInfo(id, "new-name")],
            refused: [],
          },
        },
      ]),
    ).toEqual(["stored"]);
    expect((await second.containers.list(hostId)).map((c) => c.info.names)).toEqual([["/new-name"]]);
  });

  it("drops the days wholly before a retention bound and deletes at most `limit` rows of the day it falls in", async () => {
    const hostId = (await first.hosts.create("h", 0, anyCredential())).id;
    const id = newContainerId();
    const days = [0, 1, 2];
    await first.telemetry.write(
      days.map((day) => ({
        kind: "batch",
        hostId,
        at: DAY0 + 2 * DAY,
        message: {
          type: "metrics",
          seq: day + 1,
          samples: [0, 1, 2].map((i) => metricSample(id, DAY0 + day * DAY + i * 60_000)),
        },
      })),
    );
    await first.telemetry.write(
      days.map((day) => ({
        kind: "batch",
        hostId,
        at: DAY0 + 2 * DAY,
        message: {
          type: "logs",
          seq: 10 + day,
          lines: [0, 1, 2].map((i) => logLine(id, DAY0 + day * DAY + i, `0123456789`)),
          drops: [],
        },
      })),
    );
    const dayName = (table: string, day: number) => `${table}_d${20_000 + day}`;
    expect(await partitions("metric_samples")).toEqual(
      expect.arrayContaining(days.map((d) => dayName("metric_samples", d))),
    );
    expect(await second.retention.hostsOverLogCap(0)).toEqual([{ hostId, excessBytes: 90 }]);

    // The bound falls in day 2: days 0 and 1 go whole (6 samples), then one row of day 2 (limit 7).
    expect(await second.retention.deleteRawMetricsBefore(DAY0 + 2 * DAY + 120_000, 7)).toBe(7);
    expect(await partitions("metric_samples")).not.toContain(dayName("metric_samples", 0));
    expect(await partitions("metric_samples")).not.toContain(dayName("metric_samples", 1));
    expect(await second.retention.deleteRawMetricsBefore(DAY0 + 2 * DAY + 120_000, 7)).toBe(1);
    const raw = await first.metrics.raw({ hostId, containerId: id, from: 0, to: DAY0 + 3 * DAY });
    expect(raw.map((p) => p.t)).toEqual([DAY0 + 2 * DAY + 120_000]);

    expect(await second.retention.deleteLogsBefore(msToTs(DAY0 + 2 * DAY + 1), 100)).toBe(7);
    expect(await partitions("log_lines")).not.toContain(dayName("log_lines", 1));
    // The bytes of the dropped days and the deleted rows are off the host's total.
    expect(await second.retention.hostsOverLogCap(0)).toEqual([{ hostId, excessBytes: 20 }]);

    // The first replica still believes day 0 exists: a late line of it makes the day again.
    await first.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: DAY0,
        message: { type: "logs", seq: 99, lines: [logLine(id, DAY0 + 5, "late")], drops: [] },
      },
    ]);
    expect(await count("SELECT count(*) AS n FROM log_lines WHERE text = 'late'")).toBe(1);
  });

  it("makes no partition for a day outside the time window, whatever days a batch names", async () => {
    const hostId = (await first.hosts.create("h", 0, anyCredential())).id;
    const id = newContainerId();
    const at = Date.now();
    // 500 days, from 250 days ago on; the window is 30 days back (the default retention) and a day ahead.
    const times = Array.from({ length: 500 }, (_, i) => at + (i - 250) * DAY);
    const tables = ["metric_samples", "metric_rollups", "log_lines"];
    const before = await Promise.all(tables.map(partitions));
    expect(
      await first.telemetry.write([
        {
          kind: "batch",
          hostId,
          at,
          message: { type: "metrics", seq: 1, samples: times.map((t) => metricSample(id, t)) },
        },
        {
          kind: "batch",
          hostId,
          at,
          message: { type: "logs", seq: 2, lines: times.map((t) => logLine(id, t, "x")), drops: [] },
        },
      ]),
    ).toEqual(["stored", "stored"]);
    const firstDay = Math.floor((at - 30 * DAY) / DAY);
    const lastDay = Math.floor((at + DAY) / DAY);
    for (const [i, table] of tables.entries()) {
      const made = (await partitions(table)).filter((name) => !before[i]?.includes(name));
      const days = made.map((name) => Number(name.slice(`${table}_d`.length)));
      expect(days.length).toBeGreaterThan(0);
      expect(days.every((day) => day >= firstDay && day <= lastDay)).toBe(true);
    }
    // From 30 days back to 1 ahead, both ends included: 32 times inside, 468 outside, per kind.
    expect(await count("SELECT count(*) AS n FROM metric_samples")).toBe(32);
    expect(await count("SELECT count(*) AS n FROM log_lines")).toBe(32);
    expect(first.telemetry.outsideWindow()).toEqual({ [hostId]: { samples: 468, lines: 468 } });
  });

  it("buckets a long raw range in the database exactly as Downsampler buckets the samples", async () => {
    const hostId = (await first.hosts.create("h", 0, anyCredential())).id;
    const id = newContainerId();
    const samples = Array.from({ length: 500 }, (_, i) => ({
      ...metricSample(id, DAY0 + i * 1_000 + (i % 7) * 100, (i * 37) % 101, 1_000 + ((i * 53) % 97)),
      netRxBytes: i % 5 === 4 ? null : i * 10,
      memLimitBytes: 10_000 + i,
      pids: i % 3,
    }));
    await first.telemetry.write([
      { kind: "batch", hostId, at: DAY0, message: { type: "metrics", seq: 1, samples } },
    ]);
    const range = { hostId, containerId: id, from: DAY0 - 3_000, to: DAY0 + 600_000 };
    const expected = downsample(await first.metrics.raw(range), range.from, range.to, 37);
    const got = await first.metrics.history({ ...range, tier: "raw", maxPoints: 37 });
    expect(got.bucketMs).toBe(expected.bucketMs);
    expect(got.points).toHaveLength(expected.points.length);
    got.points.forEach((point, i) => {
      const want = expected.points[i];
      for (const [key, value] of Object.entries(point)) {
        const other = want?.[key as keyof typeof want];
        if (value === null || other === null) expect([key, value]).toEqual([key, other]);
        else expect(value as number).toBeCloseTo(other as number, 6);
      }
    });
    // Few enough samples pass unchanged.
    expect(await first.metrics.history({ ...range, tier: "raw", maxPoints: 500 })).toEqual({
      points: await first.metrics.raw(range),
      bucketMs: null,
    });
  });
});
