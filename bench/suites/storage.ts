/**
 * Figure 7, storage: what the SQLite store keeps on disk per metric sample and per log line, with
 * and without its indexes (search index included), and how long a chart's 24 h of one container
 * takes to answer; for the current schema and, on the very same data, the previous one (the
 * schema before migration 9, written with that schema's own statements), and the PostgreSQL store.
 * Store level, no server: the bytes are the pages SQLite's `dbstat` counts for each table and index
 * after a checkpoint; on PostgreSQL, `pg_table_size` and `pg_total_relation_size` of each table's
 * day partitions after a VACUUM (which also empties the search index's pending list).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { LogLine, MetricSample, SequencedAgentMessage } from "@crowsnest/protocol";
import { METRIC_POINTS_TARGET } from "@crowsnest/protocol";
import pg from "pg";
import { HOUR } from "../../apps/api/src/store/metric-chunk.ts";
import { PACK_DELAY_MS } from "../../apps/api/src/store/postgres/metric-packer.ts";
import { openPostgresStore } from "../../apps/api/src/store/postgres/postgres-store.ts";
import { configure, migrate } from "../../apps/api/src/store/sqlite/database.ts";
import { compactTelemetryMigration } from "../../apps/api/src/store/sqlite/migrations/009-compact-telemetry.ts";
import { MIGRATIONS } from "../../apps/api/src/store/sqlite/migrations/index.ts";
import { registerSearchText } from "../../apps/api/src/store/sqlite/search-text.ts";
import { openSqliteStore } from "../../apps/api/src/store/sqlite/sqlite-store.ts";
import type { Store, TelemetryWrite } from "../../apps/api/src/store/store.ts";
import { percentile } from "../support/measure.ts";
import type { BenchOptions } from "../support/options.ts";

/** Containers and seconds of the bytes-per-sample figure: 20 containers sampled every second for 2 h. */
const METRIC_CONTAINERS = 20;
const METRIC_SECONDS = 2 * 3_600;
/** The 24 h query: one container at 1 s, as issue 13 states it. */
const DAY_SECONDS = 86_400;
const QUERY_REPEATS = 7;
/** Log lines of the bytes-per-line figure, over the ingest suite's 250 containers, 500 a batch. */
const LOG_LINES = 100_000;
const LOG_CONTAINERS = 250;
const LOG_BATCH = 500;
/** When the generated data starts (epoch ms): second `s` of a SeriesGenerator is at T0 + s × 1,000. */
export const T0 = Date.parse("2026-11-30T00:00:00Z");

/** One schema's figures; bytes are SQLite pages (dbstat), per sample or per line stored. */
export interface SchemaFigures {
  /** Raw tier: its tables only, then with their indexes (and the series table where there is one). */
  rawBytesPerSample: number;
  rawBytesPerSampleIndexed: number;
  /** One-minute rollups with their indexes ÷ the raw tier with its indexes, same samples, in %. */
  rollupPercentOfRaw: number;
  /** The same over 24 h of the fleet: the current SQLite schema only (absent from earlier results). */
  rollupPercentOfRawDay?: number;
  /** Log lines: the table only, then with its indexes and the search index. */
  logBytesPerLine: number;
  logBytesPerLineIndexed: number;
  /** Store write time per sample and per line (one transaction per batch), µs. */
  writeUsPerSample: number;
  writeUsPerLine: number;
  /** 24 h of one container (86,400 samples): median over the repeats, ms. */
  dayQueryMs: number;
  /** Points that query returns. */
  dayQueryPoints: number;
  /**
   * The batch ledger (`ingested_batches` and the agent runs it names, `agent_incarnations`, with
   * their indexes: the agents' batch numbers and digests, kept for CROWSNEST_RETENTION_BATCH_LEDGER_MS
   * so that a resend is stored once), bytes per batch: the current SQLite schema only (absent from
   * earlier results).
   */
  ledgerBytesPerBatch?: number;
}

/** One run of the suite: both schemas measured on the same generated data. */
export interface StorageRun {
  run: number;
  samples: number;
  lines: number;
  /** Mean UTF-8 bytes of a line's text. */
  textBytesPerLine: number;
  previous: SchemaFigures;
  current: SchemaFigures;
  /** The PostgreSQL store on the same data (absent from results saved before it was measured). */
  postgres?: SchemaFigures;
}

/** The PostgreSQL server the suite makes its databases on (each dropped afterwards). */
const POSTGRES_URL =
  process.env.CROWSNEST_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Measures `options.runs` runs, each in a fresh temporary directory removed afterwards. */
export async function storageSuite(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<StorageRun[]> {
  const runs: StorageRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const dir = mkdtempSync(join(tmpdir(), "crowsnest-bench-storage-"));
    try {
      const lines = logLines();
      const textBytes = lines.reduce((sum, l) => sum + Buffer.byteLength(l.text), 0);
      const result: StorageRun = {
        run,
        samples: METRIC_CONTAINERS * METRIC_SECONDS,
        lines: lines.length,
        textBytesPerLine: textBytes / lines.length,
        previous: await previousSchema(dir, lines),
        current: await currentSchema(dir, lines),
        postgres: await postgresSchema(lines),
      };
      const pgFigures = result.postgres;
      log(
        `storage run ${run}: ${result.current.rawBytesPerSampleIndexed.toFixed(1)} B/sample (was ${result.previous.rawBytesPerSampleIndexed.toFixed(1)}, PostgreSQL ${pgFigures?.rawBytesPerSampleIndexed.toFixed(1)}), ${result.current.logBytesPerLineIndexed.toFixed(1)} B/line (was ${result.previous.logBytesPerLineIndexed.toFixed(1)}, PostgreSQL ${pgFigures?.logBytesPerLineIndexed.toFixed(1)}), 24 h query ${result.current.dayQueryMs.toFixed(1)} ms (PostgreSQL ${pgFigures?.dayQueryMs.toFixed(1)})`,
      );
      runs.push(result);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return runs;
}

async function currentSchema(dir: string, lines: LogLine[]): Promise<SchemaFigures> {
  const metrics = await measureStore(join(dir, "current-metrics.db"), (store) =>
    fillFleet(store, METRIC_SECONDS),
  );
  // The same fleet for 24 h: its rollups' hour chunks fill their table's pages as on a server that
  // has kept them for days. In 2 h the 40 chunks fill 8 pages, and the table's interior page and its
  // index's only page, nearly empty, add 2 more.
  const fleetDay = await measureStore(join(dir, "current-fleet-day.db"), (store) =>
    fillFleet(store, DAY_SECONDS),
  );
  const logs = await measureStore(join(dir, "current-logs.db"), async (store) => {
    for (let i = 0; i < lines.length; i += LOG_BATCH) {
      const seq = i / LOG_BATCH + 1;
      await store.telemetry.write([
        batch(seq, { type: "logs", seq, lines: lines.slice(i, i + LOG_BATCH), drops: [] }),
      ]);
    }
  });
  await measureStore(join(dir, "current-day.db"), async (store) => {
    const series = new SeriesGenerator(containerId(999));
    for (let s = 0; s < DAY_SECONDS; s += 10) {
      const samples = Array.from({ length: 10 }, (_, i) => series.next(s + i));
      await store.telemetry.write([
        batch(s + 1, { type: "metrics", seq: s + 1, samples }, T0 + (s + 10) * 1_000),
      ]);
    }
    await packStaged(store, T0 + DAY_SECONDS * 1_000);
  });
  const store = await openSqliteStore(join(dir, "current-day.db"));
  const range = { hostId: HOST, containerId: containerId(999), from: T0, to: T0 + DAY_SECONDS * 1_000 - 1 };
  let points = 0;
  const dayQueryMs = await timeQuery(async () => {
    // What the route sends: the reduced points, serialized.
    const result = await store.metrics.history({ ...range, tier: "raw", maxPoints: METRIC_POINTS_TARGET });
    points = result.points.length;
    JSON.stringify(result);
  });
  await store.close();
  const raw = metrics.bytes(["metric_staging", "metric_chunks"]);
  const ledger = metrics.bytes([
    "ingested_batches",
    "agent_incarnations",
    "sqlite_autoindex_agent_incarnations_1",
  ]);
  const rawIndexed = raw + metrics.bytes(RAW_INDEXES);
  const logTable = logs.bytes(["log_lines"]);
  const logIndexed =
    logTable +
    logs.bytes(["log_series_index", "log_series_pending", "series", "sqlite_autoindex_series_1"]) +
    logs.bytesMatching("log_fts");
  return {
    rawBytesPerSample: raw / (METRIC_CONTAINERS * METRIC_SECONDS),
    rawBytesPerSampleIndexed: rawIndexed / (METRIC_CONTAINERS * METRIC_SECONDS),
    rollupPercentOfRaw: rollupPercent(metrics),
    rollupPercentOfRawDay: rollupPercent(fleetDay),
    logBytesPerLine: logTable / lines.length,
    logBytesPerLineIndexed: logIndexed / lines.length,
    writeUsPerSample: (metrics.writeMs * 1_000) / (METRIC_CONTAINERS * METRIC_SECONDS),
    writeUsPerLine: (logs.writeMs * 1_000) / lines.length,
    dayQueryMs,
    dayQueryPoints: points,
    // fillFleet writes a batch a second, and one in the next hour.
    ledgerBytesPerBatch: ledger / (METRIC_SECONDS + 1),
  };
}

/** The raw tier's indexes (and the series table), counted with its tables. */
const RAW_INDEXES = [
  "metric_staging_group",
  "metric_staging_minute",
  "sqlite_autoindex_metric_chunks_1",
  "metric_chunks_minutes",
  "series",
  "sqlite_autoindex_series_1",
];

/**
 * The rollups with their index as a share of the raw tier with its indexes, in %: the packed hours
 * (migration 11); the newest hour's rows (metric_rollups) are one of 720 in 30 days.
 */
function rollupPercent(m: { bytes: (names: string[]) => number }): number {
  const rollups = m.bytes(["metric_rollup_chunks", "sqlite_autoindex_metric_rollup_chunks_1"]);
  return (100 * rollups) / m.bytes(["metric_staging", "metric_chunks", ...RAW_INDEXES]);
}

/**
 * Writes `seconds` of the metric fleet (a batch of every container's sample a second), then one
 * more sample per container, in the next hour: the measured hours' rollups are packed, as all but a
 * series' newest are; then packs what is staged.
 */
async function fillFleet(store: Store, seconds: number): Promise<void> {
  resetFleet();
  let seq = 0;
  for (let s = 0; s <= seconds; s++) {
    const samples = Array.from({ length: METRIC_CONTAINERS }, (_, c) => fleet[c]?.next(s) as MetricSample);
    await store.telemetry.write([batch(++seq, { type: "metrics", seq, samples }, T0 + s * 1_000)]);
  }
  await packStaged(store, T0 + seconds * 1_000);
}

/** The PostgreSQL store, written and read through the Store contract as the current SQLite schema is. */
async function postgresSchema(lines: LogLine[]): Promise<SchemaFigures> {
  resetFleet();
  const samples = METRIC_CONTAINERS * METRIC_SECONDS;
  const metrics = await measurePostgres(async (store, db) => {
    let seq = 0;
    let maintenanceMs = 0;
    for (let s = 0; s < METRIC_SECONDS; s++) {
      const batchSamples = Array.from(
        { length: METRIC_CONTAINERS },
        (_, c) => fleet[c]?.next(s) as MetricSample,
      );
      await store.telemetry.write([batch(++seq, { type: "metrics", seq, samples: batchSamples })]);
      if (s % 60 === 59) maintenanceMs += await maintain(store, db, T0 + (s + 1) * 1_000);
    }
    return maintenanceMs;
  });
  const logs = await measurePostgres(async (store) => {
    for (let i = 0; i < lines.length; i += LOG_BATCH) {
      const seq = i / LOG_BATCH + 1;
      await store.telemetry.write([
        batch(seq, { type: "logs", seq, lines: lines.slice(i, i + LOG_BATCH), drops: [] }),
      ]);
    }
    return 0;
  });
  let points = 0;
  let dayQueryMs = 0;
  await measurePostgres(
    async (store) => {
      // Only the query is timed here: the day goes in 600 samples a write.
      const series = new SeriesGenerator(containerId(999));
      for (let s = 0; s < DAY_SECONDS; s += 600) {
        const daySamples = Array.from({ length: 600 }, (_, i) => series.next(s + i));
        await store.telemetry.write([batch(s + 1, { type: "metrics", seq: s + 1, samples: daySamples })]);
      }
      return 0;
    },
    async (store) => {
      const range = {
        hostId: HOST,
        containerId: containerId(999),
        from: T0,
        to: T0 + DAY_SECONDS * 1_000 - 1,
      };
      dayQueryMs = await timeQuery(async () => {
        const result = await store.metrics.history({
          ...range,
          tier: "raw",
          maxPoints: METRIC_POINTS_TARGET,
        });
        points = result.points.length;
        JSON.stringify(result);
      });
    },
  );
  const series = metrics.sizes.get("series")?.total ?? 0;
  const rows = metrics.sizes.get("metric_samples");
  const chunks = metrics.sizes.get("metric_chunks");
  const rollupRows = metrics.sizes.get("metric_rollups");
  const rollupChunks = metrics.sizes.get("metric_rollup_chunks");
  const logTable = logs.sizes.get("log_lines");
  const logSeries = logs.sizes.get("series")?.total ?? 0;
  if (!rows || !chunks || !rollupRows || !rollupChunks || !logTable)
    throw new Error("PostgreSQL sizes missing");
  // The raw tier: the rows not packed yet (none once every hour is packed) and the chunks.
  const raw = { table: rows.table + chunks.table, total: rows.total + chunks.total };
  return {
    rawBytesPerSample: raw.table / samples,
    rawBytesPerSampleIndexed: (raw.total + series) / samples,
    rollupPercentOfRaw: (100 * (rollupRows.total + rollupChunks.total)) / (raw.total + series),
    logBytesPerLine: logTable.table / lines.length,
    logBytesPerLineIndexed: (logTable.total + logSeries) / lines.length,
    writeUsPerSample: (metrics.writeMs * 1_000) / samples,
    writeUsPerLine: (logs.writeMs * 1_000) / lines.length,
    dayQueryMs,
    dayQueryPoints: points,
  };
}

/**
 * What a running server's database does each minute beside the writes, on the data's clock: the
 * retention pass packs the rows of finished minutes into chunks (PgMetricPacker), and autovacuum,
 * which a table that lost a third of its rows qualifies for at its next round (a minute by
 * default: postgresql.org/docs/15/routine-vacuuming.html#AUTOVACUUM), makes their pages reusable.
 * Without it a bulk fill would keep two hours of emptied index pages that a server never has.
 * Returns the ms it took (not write time).
 */
async function maintain(store: Store, db: pg.Client, now: number): Promise<number> {
  const started = performance.now();
  const pack = store.retention.packRawMetrics?.bind(store.retention);
  for (let packed = 1; pack !== undefined && packed > 0; ) packed = await pack(now, 100_000);
  await db.query("VACUUM metric_samples");
  return performance.now() - started;
}

/** Bytes of one table on PostgreSQL: without indexes (`pg_table_size`, TOAST included) and with them. */
interface PgTableSize {
  table: number;
  total: number;
}

/**
 * Creates a database on POSTGRES_URL's server, opens the PostgreSQL store on it with the bench host,
 * runs `fill` (timed, less the ms of maintenance it returns), packs every finished hour, compacts (VACUUM FULL),
 * measures each telemetry table over its partitions, runs `after`, and drops the database.
 */
async function measurePostgres(
  fill: (store: Store, db: pg.Client) => Promise<number>,
  after?: (store: Store) => Promise<void>,
): Promise<{ writeMs: number; sizes: Map<string, PgTableSize> }> {
  const name = `crowsnest_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    const store = await openPostgresStore(url.toString(), 4);
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    try {
      await db.query("INSERT INTO hosts (id, name, name_key, created_at) VALUES ($1, 'bench', 'bench', 0)", [
        HOST,
      ]);
      const started = performance.now();
      const maintenanceMs = await fill(store, db);
      const writeMs = performance.now() - started - maintenanceMs;
      // The maintenance pass packs every finished hour into chunks, as it has for all but a
      // series' newest hour on a running server (not timed: it runs apart from the writes).
      const { rows: newest } = await db.query<{ t: string | null }>("SELECT max(t) AS t FROM metric_samples");
      const packNow = Number(newest[0]?.t ?? 0) + HOUR + PACK_DELAY_MS;
      const pack = store.retention.packRawMetrics?.bind(store.retention);
      for (let packed = 1; pack !== undefined && packed > 0; ) packed = await pack(packNow, 1_000);
      // What the data occupies, as SQLite's dbstat counts its tables' pages without the file's free
      // ones: on a running server the free space of packed rows and minute chunks is reused, a
      // working set that does not grow with the days kept (BENCHMARKS.md, figure 7's notes).
      await db.query("VACUUM FULL");
      await db.query("ANALYZE");
      const { rows } = await db.query<{ name: string; table: string; total: string }>(
        `SELECT t.name, sum(pg_table_size(p.relid)) AS table, sum(pg_total_relation_size(p.relid)) AS total
         FROM unnest(ARRAY['metric_samples', 'metric_chunks', 'metric_rollups', 'metric_rollup_chunks', 'log_lines',
                           'series']) AS t(name),
              LATERAL pg_partition_tree(t.name::regclass) AS p
         GROUP BY t.name`,
      );
      await after?.(store);
      return {
        writeMs,
        sizes: new Map(rows.map((r) => [r.name, { table: Number(r.table), total: Number(r.total) }])),
      };
    } finally {
      await db.end();
      await store.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** The schema before migration 9, written with the statements its writer used. */
async function previousSchema(dir: string, lines: LogLine[]): Promise<SchemaFigures> {
  const open = (name: string) => {
    const db = new DatabaseSync(join(dir, name));
    configure(db);
    registerSearchText(db);
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version < compactTelemetryMigration.version),
    );
    return db;
  };
  resetFleet();
  const metricsDb = open("previous-metrics.db");
  const writer = new PreviousWriter(metricsDb);
  let started = performance.now();
  for (let s = 0; s < METRIC_SECONDS; s++) {
    writer.samples(Array.from({ length: METRIC_CONTAINERS }, (_, c) => fleet[c]?.next(s) as MetricSample));
  }
  const metricsWriteMs = performance.now() - started;
  const metrics = pageBytes(metricsDb);
  metricsDb.close();

  const logsDb = open("previous-logs.db");
  const logWriter = new PreviousWriter(logsDb);
  started = performance.now();
  for (let i = 0; i < lines.length; i += LOG_BATCH) logWriter.lines(lines.slice(i, i + LOG_BATCH));
  const logsWriteMs = performance.now() - started;
  const logs = pageBytes(logsDb);
  logsDb.close();

  const dayDb = open("previous-day.db");
  const dayWriter = new PreviousWriter(dayDb);
  const series = new SeriesGenerator(containerId(999));
  for (let s = 0; s < DAY_SECONDS; s += 10) {
    dayWriter.samples(Array.from({ length: 10 }, (_, i) => series.next(s + i)));
  }
  // The previous route's raw query: every sample of the range, as rows.
  const query = dayDb.prepare(`
    SELECT t, cpu_percent AS cpuPercent, cpu_percent AS cpuPercentMax,
           mem_used AS memUsedBytes, mem_used AS memUsedBytesMax, mem_limit AS memLimitBytes,
           net_rx AS netRxBytes, net_tx AS netTxBytes, blk_read AS blkReadBytes, blk_write AS blkWriteBytes, pids
    FROM metric_samples WHERE host_id = ? AND container_id = ? AND t BETWEEN ? AND ? ORDER BY t`);
  let points = 0;
  const dayQueryMs = await timeQuery(async () => {
    const rows = query.all(HOST, containerId(999), T0, T0 + DAY_SECONDS * 1_000 - 1);
    points = rows.length;
    JSON.stringify(rows);
  });
  dayDb.close();

  const samples = METRIC_CONTAINERS * METRIC_SECONDS;
  const raw = metrics.get("metric_samples") ?? 0;
  const rawIndexed =
    raw + (metrics.get("metric_samples_series") ?? 0) + (metrics.get("metric_samples_t") ?? 0);
  const rollups =
    (metrics.get("metric_rollups_1m") ?? 0) +
    (metrics.get("metric_rollups_series") ?? 0) +
    (metrics.get("metric_rollups_minute") ?? 0);
  const logTable = logs.get("log_lines") ?? 0;
  let logIndexed = logTable;
  for (const [name, bytes] of logs)
    if (name.startsWith("log_lines_") || name.startsWith("log_fts")) logIndexed += bytes;
  return {
    rawBytesPerSample: raw / samples,
    rawBytesPerSampleIndexed: rawIndexed / samples,
    rollupPercentOfRaw: (100 * rollups) / rawIndexed,
    logBytesPerLine: logTable / lines.length,
    logBytesPerLineIndexed: logIndexed / lines.length,
    writeUsPerSample: (metricsWriteMs * 1_000) / samples,
    writeUsPerLine: (logsWriteMs * 1_000) / lines.length,
    dayQueryMs,
    dayQueryPoints: points,
  };
}

/** A host id and an agent's incarnation as long as the server's and the agent's (12 and 22 characters). */
const HOST = "bench-host01";
const INCARNATION = "bench-incarnation-0001";

function containerId(n: number): string {
  return n.toString(16).padStart(64, "0");
}

/** A batch arriving at `at` (its times within the store's time window of it). */
function batch(seq: number, message: SequencedAgentMessage, at = T0 + seq): TelemetryWrite {
  return { kind: "batch", hostId: HOST, at, message: { ...message, incarnation: INCARNATION } };
}

/**
 * What a running SQLite server's writer has done a minute after writes that ended at `end` (ms,
 * the data's clock): packed the samples it staged, which a store measured just after its last
 * write would still hold as staging rows. Timed with the writes: it is the writer's work.
 */
async function packStaged(store: Store, end: number): Promise<void> {
  const pack = store.retention.packRawMetrics?.bind(store.retention);
  for (let packed = 1; pack !== undefined && packed > 0; ) packed = await pack(end + 3 * 60_000, 100_000);
}

/**
 * Opens a store on a new file with the bench host, runs `fill` (timed), closes it (which
 * checkpoints the WAL) and returns the pages of each table and index.
 */
async function measureStore(
  path: string,
  fill: (store: Store) => Promise<void>,
): Promise<{
  writeMs: number;
  bytes: (names: string[]) => number;
  bytesMatching: (prefix: string) => number;
}> {
  const store = await openSqliteStore(path);
  const db = new DatabaseSync(path);
  db.prepare("INSERT INTO hosts (id, name, created_at) VALUES (?, 'bench', 0)").run(HOST);
  db.close();
  const started = performance.now();
  await fill(store);
  const writeMs = performance.now() - started;
  await store.close();
  const check = new DatabaseSync(path);
  const pages = pageBytes(check);
  check.close();
  return {
    writeMs,
    bytes: (names) => names.reduce((sum, name) => sum + (pages.get(name) ?? 0), 0),
    bytesMatching: (prefix) =>
      [...pages].reduce((sum, [name, b]) => sum + (name.startsWith(prefix) ? b : 0), 0),
  };
}

/** Bytes of pages per table or index, after the WAL is checkpointed into the file. */
function pageBytes(db: DatabaseSync): Map<string, number> {
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const rows = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
    name: string;
    bytes: number;
  }[];
  return new Map(rows.map((r) => [r.name, r.bytes]));
}

/** Median time of `QUERY_REPEATS` runs of the query, after one warm-up run, ms. */
async function timeQuery(query: () => Promise<void>): Promise<number> {
  await query();
  const times: number[] = [];
  for (let i = 0; i < QUERY_REPEATS; i++) {
    const started = performance.now();
    await query();
    times.push(performance.now() - started);
  }
  return percentile(times, 50);
}

/** A deterministic pseudo-random stream (mulberry32), so every run and schema gets the same data. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * One container's samples as an agent computes them: CPU % from integer CPU and system
 * nanoseconds (a float with every mantissa bit used, as real ones are), memory walking by whole
 * pages, network counters growing by a few KiB a second, block IO now and then, pids steady.
 */
export class SeriesGenerator {
  readonly #id: string;
  readonly #rand: () => number;
  #mem = 64 * 1024 ** 2;
  #rx = 0;
  #tx = 0;
  #read = 0;
  #write = 0;
  #pids = 5;

  constructor(id: string) {
    this.#id = id;
    this.#rand = random(Number.parseInt(id.slice(-6), 16) + 1);
  }

  next(second: number): MetricSample {
    const r = this.#rand;
    const cpuNs = Math.round(r() * 80_000_000 + 5_000_000);
    const systemNs = 2_000_000_000 + Math.round((r() - 0.5) * 20_000_000);
    this.#mem = Math.max(16 * 1024 ** 2, this.#mem + Math.round((r() - 0.5) * 64) * 4096);
    this.#rx += Math.round(r() * 8_000);
    this.#tx += Math.round(r() * 3_000);
    if (r() < 0.1) this.#read += Math.round(r() * 16) * 4096;
    if (r() < 0.2) this.#write += Math.round(r() * 32) * 4096;
    if (r() < 0.01) this.#pids = Math.max(1, this.#pids + (r() < 0.5 ? -1 : 1));
    return {
      containerId: this.#id,
      t: T0 + second * 1_000,
      cpuPercent: (cpuNs / systemNs) * 2 * 100,
      onlineCpus: 2,
      memUsedBytes: this.#mem,
      memLimitBytes: 8 * 1024 ** 3,
      netRxBytes: this.#rx,
      netTxBytes: this.#tx,
      blkReadBytes: this.#read,
      blkWriteBytes: this.#write,
      pids: this.#pids,
    };
  }
}

/** The metric fleet: one generator per container, shared in order by both schemas (reset per schema). */
let fleet: SeriesGenerator[] = [];
function resetFleet(): void {
  fleet = Array.from({ length: METRIC_CONTAINERS }, (_, c) => new SeriesGenerator(containerId(c)));
}

/** The ingest suite's lines (sim-load.ts): about 60 bytes, a request path, a latency, a user, a trace id. */
function logLines(): LogLine[] {
  return Array.from({ length: LOG_LINES }, (_, n) => logLine(n));
}

/**
 * The bench's log line `n`: an access-log line of one of `containers` containers (LOG_CONTAINERS
 * unless given), ten a millisecond from T0.
 */
export function logLine(n: number, containers = LOG_CONTAINERS): LogLine {
  const t = T0 + Math.floor(n / 10);
  return {
    containerId: containerId(n % containers),
    ts: new Date(t).toISOString().replace("Z", `${String(n % 1_000_000).padStart(6, "0")}Z`),
    stream: n % 10 === 0 ? "stderr" : "stdout",
    text: `GET /api/items/${n} 200 ${n % 97}ms user=u${n % 13} trace=${t.toString(16)}`,
    truncated: false,
  };
}

/** The previous schema's writer: its statements, one transaction per batch, rollups upserted per sample. */
class PreviousWriter {
  readonly #db: DatabaseSync;
  readonly #sample;
  readonly #rollup;
  readonly #line;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#sample = db.prepare(`
      INSERT INTO metric_samples (host_id, container_id, t, cpu_percent, online_cpus, mem_used, mem_limit,
                                  net_rx, net_tx, blk_read, blk_write, pids)
      VALUES ($host, $container, $t, $cpu, $cpus, $mem, $memLimit, $netRx, $netTx, $blkRead, $blkWrite, $pids)
      ON CONFLICT DO NOTHING`);
    this.#rollup = db.prepare(`
      INSERT INTO metric_rollups_1m (host_id, container_id, minute, n, cpu_sum, cpu_max, mem_sum, mem_max, mem_limit,
                                     net_rx, net_tx, blk_read, blk_write, pids_sum)
      VALUES ($host, $container, $t - ($t % 60000), 1, $cpu, $cpu, $mem, $mem, $memLimit,
              $netRx, $netTx, $blkRead, $blkWrite, $pids)
      ON CONFLICT (host_id, container_id, minute) DO UPDATE SET
        n = n + 1,
        cpu_sum = cpu_sum + excluded.cpu_sum, cpu_max = max(cpu_max, excluded.cpu_max),
        mem_sum = mem_sum + excluded.mem_sum, mem_max = max(mem_max, excluded.mem_max),
        mem_limit = excluded.mem_limit,
        net_rx = max(net_rx, excluded.net_rx), net_tx = max(net_tx, excluded.net_tx),
        blk_read = max(blk_read, excluded.blk_read), blk_write = max(blk_write, excluded.blk_write),
        pids_sum = pids_sum + excluded.pids_sum`);
    this.#line = db.prepare(
      "INSERT INTO log_lines (host_id, container_id, ts, server_ts, stream, text, truncated) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    db.prepare("INSERT INTO hosts (id, name, created_at) VALUES (?, 'bench', 0)").run(HOST);
  }

  samples(samples: MetricSample[]): void {
    this.#db.exec("BEGIN IMMEDIATE");
    for (const s of samples) {
      const params = {
        host: HOST,
        container: s.containerId,
        t: s.t,
        cpu: s.cpuPercent,
        mem: s.memUsedBytes,
        memLimit: s.memLimitBytes,
        netRx: s.netRxBytes,
        netTx: s.netTxBytes,
        blkRead: s.blkReadBytes,
        blkWrite: s.blkWriteBytes,
        pids: s.pids,
      };
      if (this.#sample.run({ ...params, cpus: s.onlineCpus }).changes > 0) this.#rollup.run(params);
    }
    this.#db.exec("COMMIT");
  }

  lines(lines: LogLine[]): void {
    this.#db.exec("BEGIN IMMEDIATE");
    for (const l of lines)
      this.#line.run(HOST, l.containerId, l.ts, l.ts, l.stream, l.text, l.truncated ? 1 : 0);
    this.#db.exec("COMMIT");
  }
}
