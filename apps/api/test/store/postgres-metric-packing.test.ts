import type { MetricPoint } from "@crowsnest/protocol";
import Fastify from "fastify";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Retention } from "../../src/retention/retention.ts";
import { PACK_DELAY_MS } from "../../src/store/postgres/metric-packer.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { MetricRange, RetentionRepository, Store } from "../../src/store/store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";
import { createTestDatabase, type TestDatabase } from "./postgres-database.ts";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A day well inside the range of real times: 2024-10-04. */
const DAY0 = 20_000 * DAY;

/**
 * The PostgreSQL store's raw samples in chunks (migration 4): the retention pass packs rows of
 * finished minutes into minute chunks and finished hours into hour chunks, and every read gives
 * what it gave from the rows; a late sample joins its packed hour once, a resent one not at all.
 */
describe("PostgreSQL store: raw samples packed into chunks", () => {
  let database: TestDatabase;
  let store: Store;
  let admin: pg.Client;
  let hostId: string;
  let seq = 0;
  beforeEach(async () => {
    database = await createTestDatabase();
    store = await openPostgresStore(database.url, 3);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    hostId = (await store.hosts.create("h", 0, anyCredential())).id;
    seq = 0;
  });
  afterEach(async () => {
    await admin.end();
    await store.close();
    await database.drop();
  });

  async function write(samples: ReturnType<typeof metricSample>[]): Promise<void> {
    seq += 1;
    await store.telemetry.write([
      { kind: "batch", hostId, at: DAY0, message: { type: "metrics", seq, samples } },
    ]);
  }

  /** Chunk rows by span, and sample rows left. */
  async function layout(): Promise<{ minuteChunks: number; hourChunks: number; rows: number }> {
    const { rows } = await admin.query<{ minutes: string; hours: string; samples: string }>(
      `SELECT (SELECT count(*) FROM metric_chunks WHERE span = ${MINUTE}) AS minutes,
              (SELECT count(*) FROM metric_chunks WHERE span = ${HOUR}) AS hours,
              (SELECT count(*) FROM metric_samples) AS samples`,
    );
    const row = rows[0];
    return { minuteChunks: Number(row?.minutes), hourChunks: Number(row?.hours), rows: Number(row?.samples) };
  }

  /** Packs until a call finds nothing left; returns the samples moved in all. */
  async function packAll(now: number, limit: number): Promise<number> {
    const pack = store.retention.packRawMetrics?.bind(store.retention);
    if (pack === undefined) throw new Error("the PostgreSQL store packs raw samples");
    let total = 0;
    for (let moved = await pack(now, limit); moved > 0; moved = await pack(now, limit)) total += moved;
    return total;
  }

  /** Rollup chunks and rows. */
  async function rollupLayout(): Promise<{ chunks: number; rows: number }> {
    const { rows } = await admin.query<{ chunks: string; rows: string }>(
      "SELECT (SELECT count(*) FROM metric_rollup_chunks) AS chunks, (SELECT count(*) FROM metric_rollups) AS rows",
    );
    return { chunks: Number(rows[0]?.chunks), rows: Number(rows[0]?.rows) };
  }

  async function reads(range: MetricRange) {
    return {
      raw: await store.metrics.raw(range),
      chart: await store.metrics.history({ ...range, tier: "raw", maxPoints: 97 }),
      all: await store.metrics.history({ ...range, tier: "raw", maxPoints: 2_000 }),
      rollups: await store.metrics.rollups(range),
    };
  }

  /**
   * `after` is `before` once its hours are in rollup chunks (rollup-chunk.ts, format 3): averages,
   * minima and maxima within half the step a chunk keeps them to (CPU a hundredth of a percentage
   * point; memory, not in whole pages here, a byte; pids one), every other figure the same.
   */
  function expectKept(after: MetricPoint[], before: MetricPoint[]): void {
    const kept = [
      ["cpuPercent", 0.01],
      ["cpuPercentMin", 0.01],
      ["cpuPercentMax", 0.01],
      ["memUsedBytes", 1],
      ["pids", 1],
    ] as const;
    const rest = (p: MetricPoint) => ({ ...p, ...Object.fromEntries(kept.map(([key]) => [key, 0])) });
    expect(after.map(rest)).toEqual(before.map(rest));
    for (const [i, b] of before.entries())
      for (const [key, step] of kept)
        expect(Math.abs((after[i] as MetricPoint)[key] - b[key]), key).toBeLessThanOrEqual(step / 2 + 1e-9);
  }

  it("packs finished minutes and hours, reads the same, takes a late sample in once and a resend never", async () => {
    const id = newContainerId();
    // Two hours and three minutes at one sample every 10 s, CPU and memory varying.
    const end = DAY0 + 2 * HOUR + 3 * MINUTE;
    const samples = Array.from({ length: (end - DAY0) / (10 * SECOND) }, (_, i) =>
      metricSample(id, DAY0 + i * 10 * SECOND, (i * 7) % 100, 1_000_000 + ((i * 4_096) % 65_536)),
    );
    for (let i = 0; i < samples.length; i += 100) await write(samples.slice(i, i + 100));
    const range = { hostId, containerId: id, from: DAY0, to: end };
    const before = await reads(range);
    expect(before.raw).toHaveLength(samples.length);
    expect(before.chart.bucketMs).not.toBeNull();

    // Every minute ended by `end` is packed: hours 0 and 1 as one chunk each, minutes 120-122 alone.
    // 50 rows a call: minutes and hours are split between calls, which merge into the same chunks.
    expect(await packAll(end + PACK_DELAY_MS, 50)).toBeGreaterThanOrEqual(samples.length);
    expect(await layout()).toEqual({ minuteChunks: 3, hourChunks: 2, rows: 0 });
    // Rollups likewise: hours 0 and 1 as a chunk each, minutes 120-122 still rows.
    expect(await rollupLayout()).toEqual({ chunks: 2, rows: 3 });
    const packed = await reads(range);
    expect({ ...packed, rollups: [] }).toEqual({ ...before, rollups: [] });
    expectKept(packed.rollups, before.rollups);
    // A pass with nothing to pack changes nothing.
    expect(await packAll(end + PACK_DELAY_MS, 1_000)).toBe(0);

    // A late sample of minute 5 (its hour packed) is a row until the next pass, then in the hour's chunk.
    const late = metricSample(id, DAY0 + 5 * MINUTE + 5 * SECOND, 99, 9_000_000);
    await write([late]);
    expect(await layout()).toEqual({ minuteChunks: 3, hourChunks: 2, rows: 1 });
    await write([late]);
    // The row, and its minute's rollup row, which joins the hour's rollup chunk.
    expect(await packAll(end + PACK_DELAY_MS, 1_000)).toBe(2);
    expect(await rollupLayout()).toEqual({ chunks: 2, rows: 3 });
    expect(await layout()).toEqual({ minuteChunks: 3, hourChunks: 2, rows: 0 });
    // Resent once packed: not stored again, not counted again.
    await write([late]);
    expect(await layout()).toEqual({ minuteChunks: 3, hourChunks: 2, rows: 0 });
    const after = await reads(range);
    expect(after.raw).toHaveLength(samples.length + 1);
    expect(after.raw.filter((p) => p.t === late.t)).toHaveLength(1);
    const minute5 = after.rollups.find((p) => p.t === DAY0 + 5 * MINUTE);
    const before5 = before.rollups.find((p) => p.t === DAY0 + 5 * MINUTE);
    expect(minute5?.cpuPercent).toBeCloseTo(((before5?.cpuPercent ?? 0) * 6 + 99) / 7, 2);
    expect(minute5?.memUsedBytesMax).toBe(9_000_000);

    // Retention deletes the chunks whose whole span is before its bound, counting their samples.
    expect(await store.retention.deleteRawMetricsBefore(DAY0 + HOUR + 1, 10_000)).toBe(360 + 1);
    expect((await store.metrics.raw(range))[0]?.t).toBe(DAY0 + HOUR);
    // Rollup retention likewise: hour 0's chunk, its 60 minutes.
    expect(await store.retention.deleteRollupsBefore(DAY0 + HOUR + 1, 10_000)).toBe(60);
    expect((await store.metrics.rollups(range))[0]?.t).toBe(DAY0 + HOUR);
    await store.hosts.delete(hostId);
    expect(await layout()).toEqual({ minuteChunks: 0, hourChunks: 0, rows: 0 });
    expect(await rollupLayout()).toEqual({ chunks: 0, rows: 0 });
  });

  it("sets damaged chunks aside, raw and rollup, reads around them, and packs the fleet without them", async () => {
    const id = newContainerId();
    const range = { hostId, containerId: id, from: DAY0, to: DAY0 + 2 * HOUR };
    const times = (points: { t: number }[]) => points.map((p) => p.t - DAY0);
    const damaged = async () =>
      (
        await admin.query<{ tier: string; start: string; span: number; data: Buffer }>(
          "SELECT tier, start, span, data FROM metric_chunks_damaged ORDER BY id",
        )
      ).rows.map((r) => ({
        tier: r.tier,
        start: Number(r.start) - DAY0,
        span: r.span,
        data: r.data.toString("hex"),
      }));
    // Minutes 0 and 1 of hour 0 packed, each a chunk; another series too.
    const other = newContainerId();
    await write([metricSample(id, DAY0), metricSample(id, DAY0 + MINUTE), metricSample(other, DAY0)]);
    await packAll(DAY0 + 2 * MINUTE + PACK_DELAY_MS, 1_000);
    expect(await layout()).toEqual({ minuteChunks: 3, hourChunks: 0, rows: 0 });
    await admin.query(`UPDATE metric_chunks SET data = '\\xff' WHERE start = ${DAY0 + MINUTE}`);
    // A chart reads around it; a late sample of its minute is taken (the writer looks the chunk up).
    expect(times(await store.metrics.raw(range))).toEqual([0]);
    await write([metricSample(id, DAY0 + MINUTE + SECOND)]);
    expect(times(await store.metrics.raw(range))).toEqual([0, MINUTE + SECOND]);
    // Packed: the damaged chunk set aside, its minute's chunk written anew with the late sample.
    await packAll(DAY0 + 2 * MINUTE + PACK_DELAY_MS, 1_000);
    expect(await layout()).toEqual({ minuteChunks: 3, hourChunks: 0, rows: 0 });
    expect(await damaged()).toEqual([{ tier: "raw", start: MINUTE, span: MINUTE, data: "ff" }]);
    expect(times(await store.metrics.raw(range))).toEqual([0, MINUTE + SECOND]);

    // Minute 0 damaged, then hour 0 packed: without it, and it set aside; the other series whole.
    await admin.query(
      `UPDATE metric_chunks SET data = '\\xfe' WHERE start = ${DAY0} AND n = 1 AND series = (
      SELECT id FROM series WHERE container_id = $1)`,
      [id],
    );
    await packAll(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    expect(await layout()).toEqual({ minuteChunks: 0, hourChunks: 2, rows: 0 });
    expect((await damaged()).at(-1)).toEqual({ tier: "raw", start: 0, span: MINUTE, data: "fe" });
    expect(times(await store.metrics.raw(range))).toEqual([MINUTE + SECOND]);
    expect(times(await store.metrics.raw({ ...range, containerId: other }))).toEqual([0]);

    // Hour 0's rollups are chunks; one damaged, it reads as nothing, and a late minute joins it anew.
    expect(await rollupLayout()).toEqual({ chunks: 2, rows: 0 });
    await admin.query(
      `UPDATE metric_rollup_chunks SET data = '\\xfd' WHERE series = (
      SELECT id FROM series WHERE container_id = $1)`,
      [id],
    );
    expect(await store.metrics.rollups(range)).toEqual([]);
    await write([metricSample(id, DAY0 + 2 * MINUTE)]);
    await packAll(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    expect((await damaged()).at(-1)).toEqual({ tier: "1m", start: 0, span: HOUR, data: "fd" });
    expect(times(await store.metrics.rollups(range))).toEqual([2 * MINUTE]);
    expect(times(await store.metrics.rollups({ ...range, containerId: other }))).toEqual([0]);
    // The host's damaged chunks go with it.
    await store.hosts.delete(hostId);
    expect(await damaged()).toEqual([]);
  });

  it("leaves no chunk for an hour whose minute chunks are all damaged, and retention takes damaged copies", async () => {
    const id = newContainerId();
    await write([metricSample(id, DAY0)]);
    await packAll(DAY0 + 2 * MINUTE + PACK_DELAY_MS, 1_000);
    await admin.query(`UPDATE metric_chunks SET data = '\\xff' WHERE start = ${DAY0}`);
    await packAll(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    expect(await layout()).toEqual({ minuteChunks: 0, hourChunks: 0, rows: 0 });
    const damaged = async () => (await admin.query("SELECT tier FROM metric_chunks_damaged")).rows;
    expect(await damaged()).toEqual([{ tier: "raw" }]);
    await store.retention.deleteRawMetricsBefore(DAY0 + MINUTE - 1, 1_000);
    expect(await damaged()).toEqual([{ tier: "raw" }]);
    await store.retention.deleteRawMetricsBefore(DAY0 + MINUTE, 1_000);
    expect(await damaged()).toEqual([]);
  });

  it("keeps a packed minute's memory limit its latest sample's when an older one comes late", async () => {
    const id = newContainerId();
    const limited = (t: number, memLimitBytes: number) => ({ ...metricSample(id, t), memLimitBytes });
    await write([limited(DAY0 + 10 * SECOND, 1_000), limited(DAY0 + 50 * SECOND, 2_000)]);
    await write([limited(DAY0 + HOUR, 3_000)]);
    await packAll(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    expect(await rollupLayout()).toEqual({ chunks: 1, rows: 1 });
    const limitAt = async () =>
      (await store.metrics.rollups({ hostId, containerId: id, from: DAY0, to: DAY0 + DAY }))[0]
        ?.memLimitBytes;
    expect(await limitAt()).toBe(2_000);
    // Late, older than the minute's latest: a row until packed, then merged into the hour's chunk.
    await write([limited(DAY0 + 30 * SECOND, 4_000)]);
    expect(await limitAt()).toBe(2_000);
    await packAll(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    expect(await limitAt()).toBe(2_000);
    // Late and newer than every other: its limit.
    await write([limited(DAY0 + 55 * SECOND, 5_000)]);
    await packAll(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    expect(await limitAt()).toBe(5_000);
  });

  it("merges a packed minute's network counters as the rows do: a late sample without them leaves them", async () => {
    const id = newContainerId();
    const net = (t: number, bytes: number | null) => ({
      ...metricSample(id, t),
      netRxBytes: bytes,
      netTxBytes: bytes,
    });
    await write([net(DAY0 + 50 * SECOND, 100), net(DAY0 + HOUR, 200)]);
    await packAll(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    await write([net(DAY0 + 10 * SECOND, null)]);
    const minute0 = async () =>
      (await store.metrics.rollups({ hostId, containerId: id, from: DAY0, to: DAY0 + MINUTE - 1 }))[0];
    expect(await minute0()).toMatchObject({ netRxBytes: 100, netTxBytes: 100 });
    await packAll(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    expect(await minute0()).toMatchObject({ netRxBytes: 100, netTxBytes: 100 });
  });

  it("lets a second packer wait for the first: an hour one packs is not overwritten by a late row the other packs", async () => {
    const other = await openPostgresStore(database.url, 3);
    try {
      const [full, gappy] = [newContainerId(), newContainerId()];
      // `full` has minutes 0-2 of the hour; `gappy` minutes 1-2, so its hour chunk is new at the hour's start.
      await write([0, 1, 2].map((m) => metricSample(full, DAY0 + m * MINUTE)));
      await write([1, 2].map((m) => metricSample(gappy, DAY0 + m * MINUTE)));
      await packAll(DAY0 + 3 * MINUTE + PACK_DELAY_MS, 1_000);
      expect(await layout()).toEqual({ minuteChunks: 5, hourChunks: 0, rows: 0 });
      const series = async (id: string) =>
        Number((await admin.query("SELECT id FROM series WHERE container_id = $1", [id])).rows[0]?.id);
      // Hold the first packer inside its hour pass: an uncommitted chunk where it will write gappy's hour.
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      await holder.query("BEGIN");
      await holder.query(
        "INSERT INTO metric_chunks (series, start, span, n, data) VALUES ($1, $2, 3600000, 0, '')",
        [await series(gappy), DAY0],
      );
      const later = DAY0 + HOUR + PACK_DELAY_MS;
      const first = store.retention.packRawMetrics?.(later, 1_000);
      await waitingBackends(1);
      // A late row of full's minute 0, then the other store's pass while the first holds its hour.
      await write([metricSample(full, DAY0 + 30 * SECOND)]);
      const second = other.retention.packRawMetrics?.(later, 1_000);
      await waitingBackends(2);
      await holder.query("ROLLBACK");
      await holder.end();
      await Promise.all([first, second]);
      const raw = await store.metrics.raw({ hostId, containerId: full, from: DAY0, to: DAY0 + HOUR });
      expect(raw.map((p) => (p.t - DAY0) / SECOND)).toEqual([0, 30, 60, 120]);
    } finally {
      await other.close();
    }
  });

  it("makes a chunk day again that another replica's retention dropped", async () => {
    const id = newContainerId();
    await write([metricSample(id, DAY0)]);
    await packAll(DAY0 + MINUTE + PACK_DELAY_MS, 1_000);
    // Another replica drops the day (its retention), and a late sample of that day comes.
    await admin.query(`DROP TABLE metric_chunks_d${DAY0 / DAY}`);
    await write([metricSample(id, DAY0 + MINUTE)]);
    await packAll(DAY0 + 2 * MINUTE + PACK_DELAY_MS, 1_000);
    expect(await layout()).toEqual({ minuteChunks: 1, hourChunks: 0, rows: 0 });
    const raw = await store.metrics.raw({ hostId, containerId: id, from: DAY0, to: DAY0 + HOUR });
    expect(raw.map((p) => p.t - DAY0)).toEqual([MINUTE]);
  });

  it("deletes a host whose hour is being packed with every chunk, the new hour's too", async () => {
    const [full, gappy] = [newContainerId(), newContainerId()];
    await write([0, 1, 2].map((m) => metricSample(full, DAY0 + m * MINUTE)));
    await write([1, 2].map((m) => metricSample(gappy, DAY0 + m * MINUTE)));
    await packAll(DAY0 + 3 * MINUTE + PACK_DELAY_MS, 1_000);
    const holder = new pg.Client({ connectionString: database.url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query(
      "INSERT INTO metric_chunks (series, start, span, n, data) SELECT id, $2, 3600000, 0, '' FROM series WHERE container_id = $1",
      [gappy, DAY0],
    );
    const packing = store.retention.packRawMetrics?.(DAY0 + HOUR + PACK_DELAY_MS, 1_000);
    await waitingBackends(1);
    const deleting = store.hosts.delete(hostId);
    await waitingBackends(2);
    await holder.query("ROLLBACK");
    await holder.end();
    await Promise.all([packing, deleting]);
    expect(await layout()).toEqual({ minuteChunks: 0, hourChunks: 0, rows: 0 });
  });

  it("goes on with the sweep's deletes when packing fails", async () => {
    const id = newContainerId();
    await write([metricSample(id, DAY0)]);
    const broken = async (): Promise<number> => {
      throw new Error("packing is broken");
    };
    const repo = new Proxy(store.retention, {
      get(target, name) {
        if (name === "packRawMetrics") return broken;
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    expect(await sweeper(repo, HOUR).sweep(DAY0 + DAY)).toMatchObject({ packed: 0, rawMetrics: 1 });
  });

  /** The retention sweep on `repo`, raw samples kept `rawMetricsMs`, everything else 30 days. */
  function sweeper(repo: RetentionRepository, rawMetricsMs: number): Retention {
    const config = {
      rawMetricsMs,
      rollupMetricsMs: 30 * DAY,
      logsMs: 30 * DAY,
      logBytesPerHost: 1_000_000,
      batchLedgerMs: 30 * DAY,
      intervalMs: 60_000,
      batchRows: 100,
    };
    return new Retention(repo, store.maintenance, config, Fastify({ logger: false }).log);
  }

  /** Resolves once `n` backends of the test database wait for a lock. */
  async function waitingBackends(n: number): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const { rows } = await admin.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if (Number(rows[0]?.n) >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`${n} backends never waited for a lock`);
  }

  it("packs in the retention sweep, a few series at a time", async () => {
    const ids = Array.from({ length: 3 }, () => newContainerId());
    await write(ids.flatMap((id) => [0, 1, 2].map((m) => metricSample(id, DAY0 + m * MINUTE))));
    // Minutes 0 and 1 ended two minutes before: packed; minute 2 stays a row.
    const swept = await sweeper(store.retention, 30 * DAY).sweep(DAY0 + 3 * MINUTE + PACK_DELAY_MS - 1);
    expect(swept.packed).toBe(6);
    expect(await layout()).toEqual({ minuteChunks: 6, hourChunks: 0, rows: 3 });
    for (const id of ids) {
      const raw = await store.metrics.raw({ hostId, containerId: id, from: DAY0, to: DAY0 + HOUR });
      expect(raw.map((p) => p.t - DAY0)).toEqual([0, MINUTE, 2 * MINUTE]);
    }
  });
});
