import type { MetricPoint } from "@crowsnest/protocol";
import { decodedChunks, orNull } from "./chunk-codec.ts";
import { type Downsampled, Downsampler } from "./downsample.ts";
import { type ChunkColumns, type SeriesSample, type StoredChunk, storedColumns } from "./metric-chunk.ts";
import type { MetricHistoryQuery, MetricRange } from "./store.ts";

/**
 * One series' raw samples of a range as a backend that keeps them in chunks (metric-chunk.ts) and
 * rows has read them: the chunks that may cover the range, decoded (they may hold samples outside
 * it), the rows in the range whose time no chunk holds, and how many samples lie in the range.
 * A backend that packs rows into chunks apart from its writes may hold a sample in both for a
 * while (SQLite keeps a staging group's rows until all its series are packed): the chunk's counts.
 */
export interface RawSamples {
  chunks: ChunkColumns[];
  rows: SeriesSample[];
  count: number;
}

/** The chunks (as stored) and rows (in the range) of one series read for `range`, decoded, a row a chunk holds left out, and counted. */
export function rawSamples(
  range: MetricRange,
  chunks: readonly StoredChunk[],
  rows: SeriesSample[],
): RawSamples {
  // A damaged chunk is left out: its packer sets it aside.
  const decoded = decodedChunks(storedColumns, chunks);
  const rowTimes = new Set(rows.map((r) => r.t));
  const packed = new Set<number>();
  let count = 0;
  for (const c of decoded) {
    for (let i = 0; i < c.n; i++) {
      const t = c.t[i] as number;
      if (t < range.from || t > range.to) continue;
      count++;
      if (rowTimes.has(t)) packed.add(t);
    }
  }
  const kept = packed.size === 0 ? rows : rows.filter((r) => !packed.has(r.t));
  return { chunks: decoded, rows: kept, count: count + kept.length };
}

/** The samples of the range as points, oldest first (one per time: RawSamples holds no time twice). */
export function rawPoints(range: MetricRange, raw: RawSamples): MetricPoint[] {
  const points: MetricPoint[] = [];
  eachPoint(range, raw, (p) => points.push({ ...p }));
  // Rows come after the chunks, except a late sample older than a chunk's newest.
  if (points.some((p, i) => i > 0 && p.t < (points[i - 1]?.t ?? 0))) points.sort((a, b) => a.t - b.t);
  return points;
}

/**
 * The chart of a raw range: the points themselves when there are no more than `maxPoints`, else
 * min/max buckets (Downsampler) filled straight from the decoded columns, without a point object
 * per sample (86,400 for a day of one container), so that a day stays a few ms of work. A sample
 * in both a chunk and a row is counted once (RawSamples leaves the row out).
 */
export function rawHistory(query: MetricHistoryQuery, raw: RawSamples): Downsampled {
  if (raw.count <= query.maxPoints) return { points: rawPoints(query, raw), bucketMs: null };
  const buckets = new Downsampler(query.from, query.to, query.maxPoints);
  eachPoint(query, raw, (p) => buckets.add(p));
  return { points: buckets.points(), bucketMs: buckets.bucketMs };
}

/** Hands each raw sample of the range to `visit` as a point, one object reused for the chunks' samples. */
function eachPoint(range: MetricRange, raw: RawSamples, visit: (point: MetricPoint) => void): void {
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
  for (const row of raw.rows) visit(toPoint(row));
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
