import type { MetricPoint } from "@crowsnest/protocol";
import {
  type ChunkLayout,
  checkedRows,
  type DecodedChunk,
  decodeRows,
  encodeRows,
  orNull,
} from "./chunk-codec.ts";
import { HOUR } from "./metric-chunk.ts";

/**
 * One series' rollup of one minute as a chunk stores it: the sums, minima and maxima of its
 * `samples`, the last limit and the highest counters. CPU is in CPU_UNITS (thousandths of a
 * percentage point, the precision rollups keep: SQLite rounds every sample's CPU to it as it is
 * counted, PostgreSQL a row's sums), so that every column is an integer.
 */
export interface RollupRow {
  minute: number;
  samples: number;
  cpuSum: number;
  cpuMin: number;
  cpuMax: number;
  memSum: number;
  memMin: number;
  memMax: number;
  memLimit: number;
  netRx: number | null;
  netTx: number | null;
  blkRead: number;
  blkWrite: number;
  pidsSum: number;
}

/** CPU per percentage point in a RollupRow: a rollup keeps CPU to a thousandth of a percentage point. */
export const CPU_UNITS = 1_000;

/** A RollupRow's fields in a chunk's column order. */
export const ROLLUP_COLUMNS = [
  "minute",
  "samples",
  "cpuSum",
  "cpuMin",
  "cpuMax",
  "memSum",
  "memMin",
  "memMax",
  "memLimit",
  "netRx",
  "netTx",
  "blkRead",
  "blkWrite",
  "pidsSum",
] as const satisfies readonly (keyof RollupRow)[];

const ROLLUP_LAYOUT: ChunkLayout<keyof RollupRow> = {
  columns: ROLLUP_COLUMNS,
  floats: new Set(),
  // Rice codes: a minute's sums, minima and maxima are noise, which zstd over varints codes a few
  // bits a value above its entropy (chunk-codec.ts).
  coding: "rice",
};

/** Rollup rows of one series (any order, one per minute) as a chunk, sorted by minute. */
export function encodeRollups(rows: readonly RollupRow[]): Uint8Array {
  return encodeRows(
    ROLLUP_LAYOUT,
    [...rows].sort((a, b) => a.minute - b.minute),
  );
}

/** The rows of a chunk made by encodeRollups, oldest first. */
export function decodeRollups(chunk: Uint8Array): RollupRow[] {
  const c = decodeRows(ROLLUP_LAYOUT, chunk);
  return Array.from({ length: c.n }, (_, i) => rollupAt(c, i));
}

/** A rollup chunk as its table stores it: `n` minutes of the hour from `hour` (epoch ms) in `data`. */
export interface StoredRollupChunk {
  n: number;
  hour: number;
  data: Uint8Array;
}

/**
 * The rollups of a stored chunk of `n` minutes of the hour from `hour` (epoch ms), oldest first;
 * throws when it is damaged (checkedRows).
 */
export function storedRollups(chunk: StoredRollupChunk): RollupRow[] {
  return checkedRows(
    decodeRollups(chunk.data),
    { n: chunk.n, start: chunk.hour, span: HOUR },
    (r) => r.minute,
  );
}

/** Row `i` of decoded rollup columns (any layout holding ROLLUP_COLUMNS) as a RollupRow. */
export function rollupAt(c: DecodedChunk<keyof RollupRow>, i: number): RollupRow {
  return {
    minute: c.minute[i] as number,
    samples: c.samples[i] as number,
    cpuSum: c.cpuSum[i] as number,
    cpuMin: c.cpuMin[i] as number,
    cpuMax: c.cpuMax[i] as number,
    memSum: c.memSum[i] as number,
    memMin: c.memMin[i] as number,
    memMax: c.memMax[i] as number,
    memLimit: c.memLimit[i] as number,
    netRx: orNull(c.netRx[i] as number),
    netTx: orNull(c.netTx[i] as number),
    blkRead: c.blkRead[i] as number,
    blkWrite: c.blkWrite[i] as number,
    pidsSum: c.pidsSum[i] as number,
  };
}

/** Two rollups of the same minute as one: what counting the samples of both gives. */
export function mergeRollups(a: RollupRow, b: RollupRow): RollupRow {
  return {
    minute: a.minute,
    samples: a.samples + b.samples,
    cpuSum: a.cpuSum + b.cpuSum,
    cpuMin: Math.min(a.cpuMin, b.cpuMin),
    cpuMax: Math.max(a.cpuMax, b.cpuMax),
    memSum: a.memSum + b.memSum,
    memMin: Math.min(a.memMin, b.memMin),
    memMax: Math.max(a.memMax, b.memMax),
    memLimit: b.memLimit,
    netRx: maxOrNull(a.netRx, b.netRx),
    netTx: maxOrNull(a.netTx, b.netTx),
    blkRead: Math.max(a.blkRead, b.blkRead),
    blkWrite: Math.max(a.blkWrite, b.blkWrite),
    pidsSum: a.pidsSum + b.pidsSum,
  };
}

/** The point a rollup row is read as: averages, minima and maxima of its minute (as `rollups` answers). */
export function rollupPoint(r: RollupRow): MetricPoint {
  return {
    t: r.minute,
    cpuPercent: r.cpuSum / CPU_UNITS / r.samples,
    cpuPercentMin: r.cpuMin / CPU_UNITS,
    cpuPercentMax: r.cpuMax / CPU_UNITS,
    memUsedBytes: r.memSum / r.samples,
    memUsedBytesMin: r.memMin,
    memUsedBytesMax: r.memMax,
    memLimitBytes: r.memLimit,
    netRxBytes: r.netRx,
    netTxBytes: r.netTx,
    blkReadBytes: r.blkRead,
    blkWriteBytes: r.blkWrite,
    pids: r.pidsSum / r.samples,
  };
}

/** As SQL's max() in the rows' upsert (rollup-writer.ts): null when either is. */
function maxOrNull(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : Math.max(a, b);
}
