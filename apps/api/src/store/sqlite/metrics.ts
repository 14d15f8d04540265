import type { DatabaseSync } from "node:sqlite";
import type { MetricPoint } from "@crowsnest/protocol";
import { type Downsampled, Downsampler, downsample } from "../downsample.ts";
import type { MetricHistoryQuery, MetricRange, MetricRepository } from "../store.ts";
import { orNull } from "./chunk-codec.ts";
import { readSnapshot } from "./database.ts";
import {
  type ChunkColumns,
  decodeColumns,
  HEAD_COLUMNS,
  HOUR,
  MINUTE,
  type SeriesSample,
} from "./metric-chunk.ts";
import { combineByMinute, fromStoredRow, ROLLUP_ROW_COLUMNS, rollupsOf } from "./minute-rollups.ts";
import { decodeRollups, type RollupRow, rollupPoint } from "./rollup-chunk.ts";
import type { SeriesIds } from "./series.ts";

/**
 * Reads the metric tiers of migration 9: raw samples from a series' chunks (decoded, see
 * metric-chunk.ts) and its head rows; rollups from their chunks (migration 11, rollup-chunk.ts)
 * and rows, and those of the samples still in the head, which the stored rollups do not count
 * (rollup-writer.ts); all keyed by series id.
 */
export class SqliteMetricRepository implements MetricRepository {
  readonly #db: DatabaseSync;
  readonly #series: SeriesIds;
  readonly #chunks;
  readonly #head;
  readonly #rollups;
  readonly #rollupChunks;

  constructor(db: DatabaseSync, series: SeriesIds) {
    this.#db = db;
    this.#series = series;
    // A chunk that starts up to an hour before `from` may still cover it.
    this.#chunks = db.prepare(
      "SELECT data FROM metric_chunks WHERE series = ? AND start BETWEEN ? AND ? ORDER BY start",
    );
    this.#head = db.prepare(
      `SELECT ${HEAD_COLUMNS} FROM metric_head WHERE series = ? AND t BETWEEN ? AND ? ORDER BY t`,
    );
    this.#rollups = db.prepare(`
      SELECT ${ROLLUP_ROW_COLUMNS} FROM metric_rollups WHERE series = ? AND minute BETWEEN ? AND ? ORDER BY minute`);
    this.#rollupChunks = db.prepare(
      "SELECT data FROM metric_rollup_chunks WHERE series = ? AND hour BETWEEN ? AND ? ORDER BY hour",
    );
  }

  async raw(range: MetricRange): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    eachPoint(range, this.#rawColumns(range), (p) => points.push({ ...p }));
    // Head rows come after the chunks, except a late sample of a minute not yet packed.
    if (points.some((p, i) => i > 0 && p.t < (points[i - 1]?.t ?? 0))) points.sort((a, b) => a.t - b.t);
    return points;
  }

  /**
   * Packed hours (chunks), then the rows of the current hour, then the rollups of the head rows
   * (computed here: a minute or so per series), combined per minute: a minute may be in more than
   * one of them when late samples came.
   */
  async rollups(range: MetricRange): Promise<MetricPoint[]> {
    const series = this.#series.find(range.hostId, range.containerId);
    if (series === null) return [];
    // The writer moves a minute from the head to the rows and an hour from the rows to a chunk.
    const [chunks, stored, head] = readSnapshot(this.#db, () => {
      // The head rows of the minutes that start in the range.
      const firstMinute = Math.ceil(range.from / MINUTE) * MINUTE;
      const lastMinute = Math.floor(range.to / MINUTE) * MINUTE;
      return [
        this.#rollupChunks.all(series, range.from - HOUR + 1, range.to) as unknown as { data: Uint8Array }[],
        this.#rollups.all(series, range.from, range.to) as unknown as RollupRow[],
        this.#head.all(series, firstMinute, lastMinute + MINUTE - 1) as unknown as SeriesSample[],
      ] as const;
    });
    const rows: RollupRow[] = [];
    for (const chunk of chunks) {
      for (const row of decodeRollups(chunk.data)) {
        if (row.minute >= range.from && row.minute <= range.to) rows.push(row);
      }
    }
    for (const row of stored) rows.push(fromStoredRow(row));
    rows.push(...rollupsOf(head));
    return combineByMinute(rows).map(rollupPoint);
  }

  /**
   * Raw samples are bucketed as they are read from the decoded chunks, without a point object per
   * sample (86,400 for a day of one container), so that the chart's 24 h stay a few ms of work.
   */
  async history(query: MetricHistoryQuery): Promise<Downsampled> {
    if (query.tier === "1m")
      return downsample(await this.rollups(query), query.from, query.to, query.maxPoints);
    const raw = this.#rawColumns(query);
    if (raw.count <= query.maxPoints) return { points: await this.raw(query), bucketMs: null };
    const buckets = new Downsampler(query.from, query.to, query.maxPoints);
    eachPoint(query, raw, (p) => buckets.add(p));
    return { points: buckets.points(), bucketMs: buckets.bucketMs };
  }

  /** The series' chunks that may hold samples of the range, decoded, its head rows in it, and how many samples are in it. */
  #rawColumns(range: MetricRange): RawColumns {
    const series = this.#series.find(range.hostId, range.containerId);
    if (series === null) return { chunks: [], head: [], count: 0 };
    // The writer moves a minute's head rows into a chunk.
    const [rows, head] = readSnapshot(
      this.#db,
      () =>
        [
          this.#chunks.all(series, range.from - HOUR + 1, range.to) as unknown as { data: Uint8Array }[],
          this.#head.all(series, range.from, range.to) as unknown as SeriesSample[],
        ] as const,
    );
    const chunks = rows.map((row) => decodeColumns(row.data));
    let count = head.length;
    for (const c of chunks) {
      for (let i = 0; i < c.n; i++) {
        const t = c.t[i] as number;
        if (t >= range.from && t <= range.to) count++;
      }
    }
    return { chunks, head, count };
  }
}

interface RawColumns {
  chunks: ChunkColumns[];
  head: SeriesSample[];
  count: number;
}

/** Hands each raw sample of the range to `visit` as a point, one object reused for all of them. */
function eachPoint(range: MetricRange, raw: RawColumns, visit: (point: MetricPoint) => void): void {
  const point = toPoint(EMPTY);
  for (const c of raw.chunks) {
    for (let i = 0; i < c.n; i++) {
      const t = c.t[i] as number;
      if (t < range.from || t > range.to) continue;
      const cpu = c.cpuPercent[i] as number;
      const mem = c.memUsedBytes[i] as number;
      point.t = t;
      point.cpuPercent = cpu;
      point.cpuPercentMin = cpu;
      point.cpuPercentMax = cpu;
      point.memUsedBytes = mem;
      point.memUsedBytesMin = mem;
      point.memUsedBytesMax = mem;
      point.memLimitBytes = c.memLimitBytes[i] as number;
      point.netRxBytes = orNull(c.netRxBytes[i] as number);
      point.netTxBytes = orNull(c.netTxBytes[i] as number);
      point.blkReadBytes = c.blkReadBytes[i] as number;
      point.blkWriteBytes = c.blkWriteBytes[i] as number;
      point.pids = c.pids[i] as number;
      visit(point);
    }
  }
  for (const row of raw.head) visit(toPoint(row));
}

const EMPTY: SeriesSample = {
  t: 0,
  cpuPercent: 0,
  onlineCpus: 1,
  memUsedBytes: 0,
  memLimitBytes: 0,
  netRxBytes: null,
  netTxBytes: null,
  blkReadBytes: 0,
  blkWriteBytes: 0,
  pids: 0,
};

/** A raw sample as a point: its average, minimum and maximum are its value. */
function toPoint(s: SeriesSample): MetricPoint {
  return {
    t: s.t,
    cpuPercent: s.cpuPercent,
    cpuPercentMin: s.cpuPercent,
    cpuPercentMax: s.cpuPercent,
    memUsedBytes: s.memUsedBytes,
    memUsedBytesMin: s.memUsedBytes,
    memUsedBytesMax: s.memUsedBytes,
    memLimitBytes: s.memLimitBytes,
    netRxBytes: s.netRxBytes,
    netTxBytes: s.netTxBytes,
    blkReadBytes: s.blkReadBytes,
    blkWriteBytes: s.blkWriteBytes,
    pids: s.pids,
  };
}
