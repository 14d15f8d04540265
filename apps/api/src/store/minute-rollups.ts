import { MINUTE, type SeriesSample } from "./metric-chunk.ts";
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

/** One sample as the rollup of its minute: CPU rounded to CPU_UNITS, the precision rollups keep. */
function sampleRollup(s: SeriesSample): RollupRow {
  const cpu = Math.round(s.cpuPercent * CPU_UNITS);
  return {
    minute: s.t - (s.t % MINUTE),
    samples: 1,
    cpuSum: cpu,
    cpuMin: cpu,
    cpuMax: cpu,
    memSum: s.memUsedBytes,
    memMin: s.memUsedBytes,
    memMax: s.memUsedBytes,
    memLimit: s.memLimitBytes,
    netRx: s.netRxBytes,
    netTx: s.netTxBytes,
    blkRead: s.blkReadBytes,
    blkWrite: s.blkWriteBytes,
    pidsSum: s.pids,
  };
}

/**
 * The one-minute rollups of one series' samples, one per minute they touch, oldest first. Samples
 * are counted in time order (any order given), so a minute's limit is its latest sample's, as
 * mergeRollups keeps the later one. Each sample is counted once: pass no sample twice.
 */
export function rollupsOf(samples: readonly SeriesSample[]): RollupRow[] {
  return combineByMinute([...samples].sort((a, b) => a.t - b.t).map(sampleRollup));
}

/**
 * The rollups of `added`, samples of one series not counted before, as they join `stored` ones of
 * the same series (counted already, e.g. a packed chunk's): as rollupsOf, but each minute's limit is
 * that of its latest sample among both, since a minute keeps its latest sample's limit and the
 * merge (mergeRollups, the rows' upsert) takes the added rollup's. Pass no sample in both.
 */
export function rollupsJoining(stored: readonly SeriesSample[], added: readonly SeriesSample[]): RollupRow[] {
  const latest = new Map<number, SeriesSample>();
  for (const s of [...stored, ...added]) {
    const minute = s.t - (s.t % MINUTE);
    const known = latest.get(minute);
    if (known === undefined || s.t > known.t) latest.set(minute, s);
  }
  return rollupsOf(added).map((row) => ({
    ...row,
    memLimit: latest.get(row.minute)?.memLimitBytes ?? row.memLimit,
  }));
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
