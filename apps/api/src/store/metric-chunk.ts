import type { MetricSample } from "@crowsnest/protocol";
import {
  type ChunkLayout,
  checkTimes,
  chunkContent,
  columnsOfRows,
  type DecodedChunk,
  decodeContent,
  decodeRows,
  encodeColumns,
  orNull,
} from "./chunk-codec.ts";

/** Rollups and the first chunks of a series span one minute (ms); a minute starts at a multiple of it. */
export const MINUTE = 60_000;
/** A finished hour's minute chunks become one chunk: 24 per series and day to read instead of 1,440. */
export const HOUR = 3_600_000;

/** Items grouped by the start of the `span`-long period (ms) holding `time(item)`, in the order they come. */
export function byPeriod<T>(items: readonly T[], time: (item: T) => number, span: number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const t = time(item);
    const start = t - (t % span);
    const list = groups.get(start);
    if (list) list.push(item);
    else groups.set(start, [item]);
  }
  return groups;
}

/** A stored sample of one series: MetricSample without its container (the series says which). */
export type SeriesSample = Omit<MetricSample, "containerId">;

/**
 * The columns of a sample row as a SeriesSample: SQLite's `metric_head` (migration 9) and
 * PostgreSQL's `metric_samples` name them alike; the aliases are quoted for PostgreSQL, which
 * folds unquoted names to lower case.
 */
export const SAMPLE_COLUMNS = `t, cpu_percent AS "cpuPercent", online_cpus AS "onlineCpus", mem_used AS "memUsedBytes",
  mem_limit AS "memLimitBytes", net_rx AS "netRxBytes", net_tx AS "netTxBytes", blk_read AS "blkReadBytes",
  blk_write AS "blkWriteBytes", pids`;

/** A sample's fields, in the order every layout of samples stores them (chunks, staging rows, the ledger's digest). */
export const SAMPLE_FIELDS = [
  "t",
  "cpuPercent",
  "onlineCpus",
  "memUsedBytes",
  "memLimitBytes",
  "netRxBytes",
  "netTxBytes",
  "blkReadBytes",
  "blkWriteBytes",
  "pids",
] as const satisfies readonly (keyof SeriesSample)[];

const SAMPLE_LAYOUT: ChunkLayout<keyof SeriesSample> = {
  columns: SAMPLE_FIELDS,
  floats: new Set(["cpuPercent"]),
  // zstd over varint deltas: a raw minute's CPU floats and growing counters compress well as a whole.
  coding: "zstd",
};

/** One series' samples (sorted by `t`, at most one per `t`) as a chunk. */
export function encodeChunk(samples: readonly SeriesSample[]): Uint8Array {
  return encodeSamples(columnsOf(samples));
}

/**
 * One series' samples as columns (sorted by `t`, at most one per `t`) as a chunk, compressed
 * unless `compress` is false (encodeColumns: format 1 content with a CRC-32). SQLite's minute
 * chunks were kept so from 46a6a84 to 7b3ae8b; readers still take them, and the tests write them.
 * Compressed again since: in one pair of holds at the ingest target they ran at 77 % of a core
 * against 82 %, ack p99 155 against 198 ms (BENCHMARKS.md figure 3): the zstd context each chunk
 * costs seems less than the 60 % more pages and WAL of uncompressed ones.
 */
export function encodeSamples(c: ChunkColumns, compress = true): Uint8Array {
  return encodeColumns(SAMPLE_LAYOUT, c, compress);
}

/** A decoded sample chunk: its `n` samples, one Float64Array per field (NaN where a field is null). */
export type ChunkColumns = DecodedChunk<keyof SeriesSample>;

/** Samples as columns, in the order given. */
export function columnsOf(samples: readonly SeriesSample[]): ChunkColumns {
  return columnsOfRows(SAMPLE_FIELDS, samples);
}

/** Rows [from, to) of columns: views, no copy. */
export function rowsBetween(c: ChunkColumns, from: number, to: number): ChunkColumns {
  const out: Record<string, Float64Array> = {};
  for (const field of SAMPLE_FIELDS) out[field] = c[field].subarray(from, to);
  return { ...out, n: to - from } as ChunkColumns;
}

/** The rows of time-ordered columns within the minute that starts at `minute` (epoch ms). */
export function minuteRows(c: ChunkColumns, minute: number): ChunkColumns {
  return rowsBetween(c, firstFrom(c.t, c.n, minute), firstFrom(c.t, c.n, minute + MINUTE));
}

/** The index of the first of the sorted times `t[0..n)` at or after `time`, or `n`. */
export function firstFrom(t: Float64Array, n: number, time: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t[mid] as number) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rows [from, to) of each minute that time-ordered columns touch, oldest first. */
export function* byMinute(c: ChunkColumns): Generator<[number, number]> {
  for (let from = 0; from < c.n; ) {
    const t = c.t[from] as number;
    const end = t - (t % MINUTE) + MINUTE;
    let to = from + 1;
    while (to < c.n && (c.t[to] as number) < end) to++;
    yield [from, to];
    from = to;
  }
}

/**
 * `added` samples joining `stored` ones (both in time order, one per time): `fresh`, those of
 * `added` whose time `stored` lacks (a resent sample is kept once, as stored), and `merged`, both
 * as one in time order; copies.
 */
export function joinSamples(
  stored: ChunkColumns,
  added: ChunkColumns,
): { merged: ChunkColumns; fresh: ChunkColumns } {
  // Each row of the merge: its index in `stored` (≥ 0) or -1 - its index in `added`.
  const rows = new Float64Array(stored.n + added.n);
  const freshRows = new Float64Array(added.n);
  let m = 0;
  let f = 0;
  let i = 0;
  let j = 0;
  while (i < stored.n || j < added.n) {
    const ts = stored.t[i] as number;
    const ta = added.t[j] as number;
    if (j === added.n || (i < stored.n && ts <= ta)) {
      rows[m++] = i++;
      if (j < added.n && ts === ta) j++;
    } else {
      freshRows[f++] = j;
      rows[m++] = -1 - j++;
    }
  }
  const merged: Record<string, Float64Array> = {};
  const fresh: Record<string, Float64Array> = {};
  for (const field of SAMPLE_FIELDS) {
    const from = stored[field];
    const add = added[field];
    const out = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const r = rows[k] as number;
      out[k] = (r >= 0 ? from[r] : add[-1 - r]) as number;
    }
    merged[field] = out;
    const kept = new Float64Array(f);
    for (let k = 0; k < f; k++) kept[k] = add[freshRows[k] as number] as number;
    fresh[field] = kept;
  }
  return { merged: { ...merged, n: m } as ChunkColumns, fresh: { ...fresh, n: f } as ChunkColumns };
}

/** The columns of a chunk made by encodeChunk, rows in their stored (time) order. */
export function decodeColumns(chunk: Uint8Array): ChunkColumns {
  return decodeRows(SAMPLE_LAYOUT, chunk);
}

/** Row `i` of decoded columns as a sample. */
export function sampleAt(c: ChunkColumns, i: number): SeriesSample {
  return {
    t: c.t[i] as number,
    cpuPercent: c.cpuPercent[i] as number,
    onlineCpus: c.onlineCpus[i] as number,
    memUsedBytes: c.memUsedBytes[i] as number,
    memLimitBytes: c.memLimitBytes[i] as number,
    netRxBytes: orNull(c.netRxBytes[i] as number),
    netTxBytes: orNull(c.netTxBytes[i] as number),
    blkReadBytes: c.blkReadBytes[i] as number,
    blkWriteBytes: c.blkWriteBytes[i] as number,
    pids: c.pids[i] as number,
  };
}

/** A chunk as its table stores it: `n` samples of [start, start + span) (epoch ms, ms) in `data`. */
export interface StoredChunk {
  n: number;
  start: number;
  span: number;
  data: Uint8Array;
}

/** The samples of a stored chunk, oldest first; throws when it is damaged (storedColumns). */
export function storedSamples(chunk: StoredChunk): SeriesSample[] {
  const columns = storedColumns(chunk);
  return Array.from({ length: columns.n }, (_, i) => sampleAt(columns, i));
}

/**
 * The columns of a stored chunk, for a reader that walks them (raw-samples.ts). Throws, as for a
 * chunk that does not decode (decodedOrDamage), unless it holds the row's `n` samples, their times
 * strictly increasing inside [start, start + span), every field but the network counters finite: a
 * chunk can decode and still be damaged (a bit flipped in its count, where constant columns store
 * no values a row, decodes to samples never stored; a flipped exponent to NaN).
 */
export function storedColumns(chunk: StoredChunk): ChunkColumns {
  return checked(decodeColumns(chunk.data), chunk);
}

/**
 * A stored chunk's content (chunkContent), checked as storedColumns checks its columns, for a
 * packer that joins contents into an hour's chunk (joinContents): one decompression a chunk where
 * storedColumns and then joining took two. Throws as storedColumns does, and on a Rice-coded chunk,
 * which no writer of samples makes (storedColumns would read it; joinContents could not join it).
 */
export function storedContent(chunk: StoredChunk): Uint8Array {
  const content = chunkContent(chunk.data);
  checked(decodeContent(SAMPLE_LAYOUT, content), chunk);
  return content;
}

/** Decoded columns of `chunk`, once checked to be what storedColumns says; throws when they are not. */
function checked(c: ChunkColumns, chunk: StoredChunk): ChunkColumns {
  checkTimes(c.n, (i) => c.t[i] as number, chunk);
  for (const field of REQUIRED_FIELDS)
    for (const v of c[field]) if (!Number.isFinite(v)) throw new Error(`the chunk's ${field} holds ${v}`);
  return c;
}

/** The fields no stored sample lacks (the network counters may be null: NaN in the columns). */
const REQUIRED_FIELDS = SAMPLE_FIELDS.filter((f) => f !== "netRxBytes" && f !== "netTxBytes");

/**
 * A stored chunk that does not decode (decodedOrDamage), as a packer sets it aside in
 * `metric_chunks_damaged` (SQLite migration 18, PostgreSQL migration 6) before it packs the series
 * without it: its tier (`raw`: a `metric_chunks` row; `1m`: a `metric_rollup_chunks` row), series,
 * start and span (epoch ms, ms), bytes, and why it does not decode.
 */
export interface DamagedChunk {
  tier: "raw" | "1m";
  series: number;
  start: number;
  span: number;
  data: Uint8Array;
  error: Error;
}

/** The process warning a packer emits for a chunk it set aside. */
export function damagedChunkWarning(chunk: DamagedChunk): string {
  return `a damaged ${chunk.tier} chunk of series ${chunk.series} from ${new Date(chunk.start).toISOString()} was set aside in metric_chunks_damaged and its series packed without it: ${chunk.error.message}`;
}
