import { orNull } from "./chunk-codec.ts";
import {
  byMinute,
  type ChunkColumns,
  columnsOf,
  firstFrom,
  MINUTE,
  rowsBetween,
  type SeriesSample,
} from "./metric-chunk.ts";
import { CPU_UNITS, mergeRollups, type RollupRow } from "./rollup-chunk.ts";

/**
 * The columns of a `metric_rollups` row (SQLite's migration 9 and PostgreSQL's tables name them
 * alike; aliases quoted for PostgreSQL) as a RollupRow, but with CPU in percent as the row keeps
 * it: `fromStoredRow` converts. Selected by the writers, which pack rows into hour chunks, and by
 * the readers.
 */
export const ROLLUP_ROW_COLUMNS = `minute, n AS samples, cpu_sum AS "cpuSum", cpu_min AS "cpuMin", cpu_max AS "cpuMax",
  mem_sum AS "memSum", mem_min AS "memMin", mem_max AS "memMax", mem_limit AS "memLimit", net_rx AS "netRx",
  net_tx AS "netTx", blk_read AS "blkRead", blk_write AS "blkWrite", pids_sum AS "pidsSum"`;

/**
 * A `metric_rollups` row read with ROLLUP_ROW_COLUMNS as a RollupRow: CPU in CPU_UNITS. Exact on
 * SQLite, whose rows sum values in whole CPU_UNITS, so multiplying back and rounding undoes the
 * division (and the float sum's error, far below half a unit); on PostgreSQL, whose rows sum the
 * samples' CPU as it came, the sum, minimum and maximum are each rounded to CPU_UNITS.
 */
export function fromStoredRow(row: RollupRow): RollupRow {
  return {
    ...row,
    cpuSum: Math.round(row.cpuSum * CPU_UNITS),
    cpuMin: Math.round(row.cpuMin * CPU_UNITS),
    cpuMax: Math.round(row.cpuMax * CPU_UNITS),
  };
}

/**
 * The rollup of `added`: samples of one series in one minute, in time order, one per time (columns,
 * a null as NaN), not counted before, as they join `stored` ones of the same series (counted
 * already, e.g. a packed chunk's, in time order; any minutes) or none. CPU is rounded to CPU_UNITS
 * per sample, the precision rollups keep; the network counters are null when a sample lacks them
 * (mergeRollups' rule); the limit is that of the minute's latest sample among both, since a minute
 * keeps its latest sample's limit and the merge (mergeRollups, the rows' upsert) takes the added
 * rollup's. Throws on no added samples.
 */
export function minuteRollup(added: ChunkColumns, stored: ChunkColumns | null): RollupRow {
  const n = added.n;
  if (n === 0) throw new RangeError("a minute's rollup needs a sample");
  const t0 = added.t[0] as number;
  const minute = t0 - (t0 % MINUTE);
  let cpuSum = 0;
  let cpuMin = Number.POSITIVE_INFINITY;
  let cpuMax = Number.NEGATIVE_INFINITY;
  let memSum = 0;
  let memMin = Number.POSITIVE_INFINITY;
  let memMax = Number.NEGATIVE_INFINITY;
  let netRx = Number.NEGATIVE_INFINITY;
  let netTx = Number.NEGATIVE_INFINITY;
  let blkRead = Number.NEGATIVE_INFINITY;
  let blkWrite = Number.NEGATIVE_INFINITY;
  let pidsSum = 0;
  for (let i = 0; i < n; i++) {
    const cpu = Math.round((added.cpuPercent[i] as number) * CPU_UNITS);
    cpuSum += cpu;
    cpuMin = Math.min(cpuMin, cpu);
    cpuMax = Math.max(cpuMax, cpu);
    const mem = added.memUsedBytes[i] as number;
    memSum += mem;
    memMin = Math.min(memMin, mem);
    memMax = Math.max(memMax, mem);
    // Math.max of a NaN (a null) is NaN: null once any sample lacks the counter.
    netRx = Math.max(netRx, added.netRxBytes[i] as number);
    netTx = Math.max(netTx, added.netTxBytes[i] as number);
    blkRead = Math.max(blkRead, added.blkReadBytes[i] as number);
    blkWrite = Math.max(blkWrite, added.blkWriteBytes[i] as number);
    pidsSum += added.pids[i] as number;
  }
  let memLimit = added.memLimitBytes[n - 1] as number;
  if (stored !== null) {
    const latest = firstFrom(stored.t, stored.n, minute + MINUTE) - 1;
    if (latest >= 0 && (stored.t[latest] as number) > (added.t[n - 1] as number))
      memLimit = stored.memLimitBytes[latest] as number;
  }
  return {
    minute,
    samples: n,
    cpuSum,
    cpuMin,
    cpuMax,
    memSum,
    memMin,
    memMax,
    memLimit,
    netRx: orNull(netRx),
    netTx: orNull(netTx),
    blkRead,
    blkWrite,
    pidsSum,
  };
}

/**
 * The one-minute rollups of one series' samples, one per minute they touch, oldest first
 * (minuteRollup). Each sample is counted once: pass no sample twice.
 */
export function rollupsOf(samples: readonly SeriesSample[]): RollupRow[] {
  return rollupsJoining([], samples);
}

/**
 * The rollups of `added`, samples of one series not counted before, as they join `stored` ones of
 * the same series (minuteRollup), one per minute of `added`, oldest first. Pass no sample in both.
 */
export function rollupsJoining(stored: readonly SeriesSample[], added: readonly SeriesSample[]): RollupRow[] {
  const byTime = (a: SeriesSample, b: SeriesSample) => a.t - b.t;
  const before = stored.length === 0 ? null : columnsOf([...stored].sort(byTime));
  const c = columnsOf([...added].sort(byTime));
  return [...byMinute(c)].map(([from, to]) => minuteRollup(rowsBetween(c, from, to), before));
}

/**
 * Rollups of one series as one per minute, oldest first: rows of the same minute (counted from
 * different samples, e.g. a packed minute and late samples still staged or in rows) merged with
 * mergeRollups, a later one in `rows` counted as the later. Sorted stably, so nearly sorted input
 * (chunks, then rows, then staged samples) costs about one pass.
 */
export function combineByMinute(rows: readonly RollupRow[]): RollupRow[] {
  const sorted = [...rows].sort((a, b) => a.minute - b.minute);
  const out: RollupRow[] = [];
  for (const row of sorted) {
    const last = out.at(-1);
    if (last !== undefined && last.minute === row.minute) out[out.length - 1] = mergeRollups(last, row);
    else out.push(row);
  }
  return out;
}
