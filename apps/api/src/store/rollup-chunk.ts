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

/** A RollupRow's fields in the column order of a chunk before format 3. */
const ROLLUP_COLUMNS = [
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

/**
 * The first byte of a rollup chunk of format 3, the codec's chunk (chunk-codec.ts) after it: each
 * minute kept as its averages, minima and maxima at the precision a chart shows (`keptRollup`), not
 * as sums, which cost a Rice-coded chunk about 6 bits a column more for digits no reader uses. A
 * chunk written before starts with the codec's own format byte (2, or a zstd frame's 0x28) and
 * keeps ROLLUP_COLUMNS exactly; both read alike, and one rewritten (a late sample merged in) is
 * written in format 3.
 */
const AVERAGES_FORMAT = 3;

/** The sums a format-3 chunk keeps as averages, by the name of their column there. */
const AVERAGE_OF = { cpuSum: "cpuAverage", memSum: "memAverage", pidsSum: "pidsAverage" } as const;
type Sum = keyof typeof AVERAGE_OF;

/** A minute of a format-3 chunk: a RollupRow with its sums as averages, CPU in KEPT_CPU_UNITS. */
type KeptRollup = Omit<RollupRow, Sum> & Record<(typeof AVERAGE_OF)[Sum], number>;

/** ROLLUP_COLUMNS, each sum in its place as its average. */
const KEPT_COLUMNS = ROLLUP_COLUMNS.map((c) =>
  c in AVERAGE_OF ? AVERAGE_OF[c as Sum] : c,
) as (keyof KeptRollup)[];

/** CPU per percentage point in a format-3 chunk: a hundredth, the precision `docker stats` prints. */
const KEPT_CPU_UNITS = 100;
const CPU_STEP = CPU_UNITS / KEPT_CPU_UNITS;
/** A page of memory, bytes: the unit the kernel counts a cgroup's usage in. */
const PAGE_BYTES = 4096;

/**
 * A minute as a format-3 chunk keeps it: CPU's average, minimum and maximum to a hundredth of a
 * percentage point; the memory average to the page (4 KiB) when the minimum and maximum are whole
 * pages (the kernel counts usage in pages), else to the byte; the pids average to a whole process.
 * Each is within half its step of the exact figure; an average is kept between its minimum and
 * maximum as kept (PostgreSQL's rows round a float sum and its extremes apart, so that the rounded
 * average may fall outside them by half a step). The rest is kept as is.
 */
function keptRollup(r: RollupRow): KeptRollup {
  const memStep = r.memMin % PAGE_BYTES === 0 && r.memMax % PAGE_BYTES === 0 ? PAGE_BYTES : 1;
  const cpuMin = Math.round(r.cpuMin / CPU_STEP);
  const cpuMax = Math.round(r.cpuMax / CPU_STEP);
  return {
    minute: r.minute,
    samples: r.samples,
    cpuAverage: within(Math.round(r.cpuSum / r.samples / CPU_STEP), cpuMin, cpuMax),
    cpuMin,
    cpuMax,
    memAverage: within(Math.round(r.memSum / r.samples / memStep) * memStep, r.memMin, r.memMax),
    memMin: r.memMin,
    memMax: r.memMax,
    memLimit: r.memLimit,
    netRx: r.netRx,
    netTx: r.netTx,
    blkRead: r.blkRead,
    blkWrite: r.blkWrite,
    pidsAverage: Math.round(r.pidsSum / r.samples),
  };
}

/** `value` moved into [min, max]. */
function within(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** A format-3 chunk's columns as ROLLUP_COLUMNS: each sum as average × samples, CPU in CPU_UNITS. */
function sumsOf<X extends string>(c: DecodedChunk<keyof KeptRollup | X>): DecodedChunk<keyof RollupRow | X> {
  const { cpuAverage, memAverage, pidsAverage, ...rest } = c;
  const samples = c.samples;
  return {
    ...rest,
    cpuSum: cpuAverage.map((v, i) => v * CPU_STEP * (samples[i] as number)),
    cpuMin: c.cpuMin.map((v) => v * CPU_STEP),
    cpuMax: c.cpuMax.map((v) => v * CPU_STEP),
    memSum: memAverage.map((v, i) => v * (samples[i] as number)),
    pidsSum: pidsAverage.map((v, i) => v * (samples[i] as number)),
  } as DecodedChunk<keyof RollupRow | X>;
}

/** Integer columns in Rice codes: a minute's averages, minima and maxima are noise, which zstd over varints codes a few bits a value above its entropy (chunk-codec.ts). */
function layout<C extends string>(columns: readonly C[]): ChunkLayout<C> {
  return { columns, floats: new Set(), coding: "rice" };
}

/**
 * Rollup rows of one series (any order, one per minute), each with the integer `extra` fields a
 * backend keeps beside them (PostgreSQL's latest sample time), as a format-3 chunk sorted by minute:
 * each minute as keptRollup keeps it.
 */
export function encodeRollupChunk<X extends string = never>(
  rows: readonly (RollupRow & Record<X, number>)[],
  extra: readonly X[] = [],
): Uint8Array {
  const sorted = [...rows].sort((a, b) => a.minute - b.minute);
  const kept = sorted.map((row) => {
    const k: Record<string, number | null> = { ...keptRollup(row) };
    for (const x of extra) k[x] = row[x];
    return k;
  });
  const body = encodeRows(layout<string>([...KEPT_COLUMNS, ...extra]), kept);
  const chunk = new Uint8Array(body.length + 1);
  chunk[0] = AVERAGES_FORMAT;
  chunk.set(body, 1);
  return chunk;
}

/**
 * The rows of a chunk made by encodeRollupChunk with the same `extra` fields (or, before format 3,
 * by encodeRows of ROLLUP_COLUMNS and them), oldest first. Throws on a chunk that does not decode.
 */
export function decodeRollupChunk<X extends string = never>(
  chunk: Uint8Array,
  extra: readonly X[] = [],
): (RollupRow & Record<X, number>)[] {
  const c =
    chunk[0] === AVERAGES_FORMAT
      ? sumsOf(decodeRows(layout<keyof KeptRollup | X>([...KEPT_COLUMNS, ...extra]), chunk.subarray(1)))
      : decodeRows(layout<keyof RollupRow | X>([...ROLLUP_COLUMNS, ...extra]), chunk);
  return Array.from({ length: c.n }, (_, i) => {
    const row = rollupAt(c, i) as RollupRow & Record<X, number>;
    for (const x of extra) (row as Record<string, unknown>)[x] = c[x][i];
    return row;
  });
}

/** Rollup rows of one series (any order, one per minute) as a chunk, sorted by minute (encodeRollupChunk). */
export function encodeRollups(rows: readonly RollupRow[]): Uint8Array {
  return encodeRollupChunk(rows);
}

/** The rows of a chunk made by encodeRollups, oldest first. */
export function decodeRollups(chunk: Uint8Array): RollupRow[] {
  return decodeRollupChunk(chunk);
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

/** Row `i` of a chunk's columns (ROLLUP_COLUMNS) as a RollupRow. */
function rollupAt(c: DecodedChunk<keyof RollupRow>, i: number): RollupRow {
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
