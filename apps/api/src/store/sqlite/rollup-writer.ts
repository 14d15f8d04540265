import type { DatabaseSync } from "node:sqlite";
import { byPeriod, HOUR } from "../metric-chunk.ts";
import { fromStoredRow, ROLLUP_ROW_COLUMNS } from "../minute-rollups.ts";
import { CPU_UNITS, encodeRollups, mergeRollups, type RollupRow, storedRollups } from "../rollup-chunk.ts";
import type { SqliteSetAside } from "./damaged-chunks.ts";
import { firstSeriesNotIn } from "./series.ts";

/** A `metric_rollups` row's columns and values, as #rowParams names them. */
const ROWS = `metric_rollups (series, minute, n, cpu_sum, cpu_min, cpu_max, mem_sum, mem_min, mem_max, mem_limit,
                                  net_rx, net_tx, blk_read, blk_write, pids_sum)
      VALUES ($series, $minute, $n, $cpuSum, $cpuMin, $cpuMax, $memSum, $memMin, $memMax, $memLimit,
              $netRx, $netTx, $blkRead, $blkWrite, $pidsSum)`;

interface ChunkRow {
  id: number;
  n: number;
  data: Uint8Array;
}

/**
 * Stores one-minute rollups, inside the caller's transaction (migration 11): the rollups of a
 * series' hour are rows (`metric_rollups`) until its minute chunks are packed into the hour's chunk
 * (SqliteMetricPacker.packHoursDue); then they become one chunk per hour (`metric_rollup_chunks`,
 * rollup-chunk.ts), about 60 times fewer rows at a tenth of their bytes.
 *
 * A rollup is added once per series and minute, computed from the minute's samples when they
 * are packed out of staging (SqliteMetricPacker), plus once per
 * late sample that joins a packed minute: counting each sample as it arrives cost an upsert per
 * sample (a fifth of the writer's time in the ingest benchmark, BENCHMARKS.md figure 3). So the
 * rollups stored never count a staged sample: a reader adds those (metrics.ts).
 */
export class RollupWriter {
  readonly #upsert;
  readonly #replace;
  readonly #rowSamples;
  readonly #rowsBefore;
  readonly #rowsFrom;
  readonly #deleteRowsBefore;
  readonly #chunk;
  readonly #insertChunk;
  readonly #updateChunk;
  readonly #aside: SqliteSetAside;

  /** `aside`: where a rollup chunk that does not decode goes (its hour is then written anew). */
  constructor(db: DatabaseSync, aside: SqliteSetAside) {
    this.#aside = aside;
    // CPU in percent, as rows keep it (fromStoredRow); the merge is mergeRollups' in SQL.
    this.#upsert = db.prepare(`
      INSERT INTO ${ROWS}
      ON CONFLICT (series, minute) DO UPDATE SET
        n = n + excluded.n,
        cpu_sum = cpu_sum + excluded.cpu_sum, cpu_min = min(cpu_min, excluded.cpu_min), cpu_max = max(cpu_max, excluded.cpu_max),
        mem_sum = mem_sum + excluded.mem_sum, mem_min = min(mem_min, excluded.mem_min), mem_max = max(mem_max, excluded.mem_max),
        mem_limit = excluded.mem_limit,
        net_rx = max(net_rx, excluded.net_rx), net_tx = max(net_tx, excluded.net_tx),
        blk_read = max(blk_read, excluded.blk_read), blk_write = max(blk_write, excluded.blk_write),
        pids_sum = pids_sum + excluded.pids_sum`);
    this.#replace = db.prepare(`INSERT OR REPLACE INTO ${ROWS}`);
    this.#rowSamples = db.prepare("SELECT n FROM metric_rollups WHERE series = ? AND minute = ?");
    this.#rowsBefore = db.prepare(
      `SELECT ${ROLLUP_ROW_COLUMNS} FROM metric_rollups WHERE series = ? AND minute < ? ORDER BY minute`,
    );
    this.#rowsFrom = db.prepare(
      "SELECT series, minute FROM metric_rollups INDEXED BY metric_rollups_minute WHERE minute < ? ORDER BY minute",
    );
    this.#deleteRowsBefore = db.prepare("DELETE FROM metric_rollups WHERE series = ? AND minute < ?");
    this.#chunk = db.prepare("SELECT id, n, data FROM metric_rollup_chunks WHERE series = ? AND hour = ?");
    this.#insertChunk = db.prepare(
      "INSERT INTO metric_rollup_chunks (series, hour, n, data) VALUES (?, ?, ?, ?)",
    );
    this.#updateChunk = db.prepare("UPDATE metric_rollup_chunks SET n = ?, data = ? WHERE id = ?");
  }

  /**
   * Counts samples not counted before (`rollup`, of one minute) in their minute's rollup: merged
   * into the chunk of its hour when that hour is packed, else into the minute's row (made if new).
   */
  add(series: number, rollup: RollupRow): void {
    const hour = rollup.minute - (rollup.minute % HOUR);
    const chunk = this.#chunk.get(series, hour) as ChunkRow | undefined;
    if (chunk !== undefined) {
      this.#merge(chunk, this.#stored(series, hour, chunk), [rollup]);
      return;
    }
    this.#upsert.run(this.#rowParams(series, rollup));
  }

  /** A rollup as the parameters of a `metric_rollups` row: CPU in percent, as rows keep it (fromStoredRow). */
  #rowParams(series: number, rollup: RollupRow) {
    return {
      series,
      minute: rollup.minute,
      n: rollup.samples,
      cpuSum: rollup.cpuSum / CPU_UNITS,
      cpuMin: rollup.cpuMin / CPU_UNITS,
      cpuMax: rollup.cpuMax / CPU_UNITS,
      memSum: rollup.memSum,
      memMin: rollup.memMin,
      memMax: rollup.memMax,
      memLimit: rollup.memLimit,
      netRx: rollup.netRx,
      netTx: rollup.netTx,
      blkRead: rollup.blkRead,
      blkWrite: rollup.blkWrite,
      pidsSum: rollup.pidsSum,
    };
  }

  /**
   * Counts late samples that joined a minute's raw samples: `whole` is the minute's rollup counted
   * again from all its raw samples, `counted` how many it had before, `added` the rollup of the late
   * ones alone. When the stored rollup counts `counted` samples (or none is stored), it was counted
   * from those very samples and `whole` replaces it: merging `added` into a chunk's rounded minute
   * (rollup-chunk.ts) would round it again at each merge, and it would drift. Else samples it
   * counted are gone from the raw tier (set aside as damaged, or past raw retention) and `added` is
   * merged into it, as `add` does.
   */
  recount(series: number, counted: number, whole: RollupRow, added: RollupRow): void {
    const hour = whole.minute - (whole.minute % HOUR);
    const chunk = this.#chunk.get(series, hour) as ChunkRow | undefined;
    if (chunk !== undefined) {
      const stored = this.#stored(series, hour, chunk);
      const old = stored.find((row) => row.minute === whole.minute);
      if (old === undefined || old.samples === counted) this.#merge(chunk, stored, [whole], (_, row) => row);
      else this.#merge(chunk, stored, [added]);
      return;
    }
    const row = this.#rowSamples.get(series, whole.minute) as { n: number } | undefined;
    if (row === undefined || row.n === counted) this.#replace.run(this.#rowParams(series, whole));
    else this.#upsert.run(this.#rowParams(series, added));
  }

  /**
   * Packs the series' rollup rows of the hours before `hour` into one chunk per hour (merged into
   * one there already); returns how many rows it packed.
   */
  pack(series: number, hour: number): number {
    const rows = (this.#rowsBefore.all(series, hour) as unknown as RollupRow[]).map(fromStoredRow);
    if (rows.length === 0) return 0;
    for (const [start, minutes] of byPeriod(rows, (r) => r.minute, HOUR)) {
      const chunk = this.#chunk.get(series, start) as ChunkRow | undefined;
      if (chunk === undefined) this.#insertChunk.run(series, start, minutes.length, encodeRollups(minutes));
      else this.#merge(chunk, this.#stored(series, start, chunk), minutes);
    }
    this.#deleteRowsBefore.run(series, hour);
    return rows.length;
  }

  /**
   * The oldest rollup row of a minute before `hour` (ms) whose series is not in `skip`: its series
   * and minute, if any (migration 24's index).
   */
  oldestBefore(hour: number, skip: ReadonlySet<number>): { series: number; minute: number } | undefined {
    return firstSeriesNotIn(
      this.#rowsFrom.iterate(hour) as Iterable<{ series: number; minute: number }>,
      skip,
    );
  }

  /** The rollups of a series' hour chunk; none when it does not decode (it is set aside). */
  #stored(series: number, hour: number, chunk: ChunkRow): RollupRow[] {
    return (
      this.#aside.decoded({ tier: "1m", series, start: hour, span: HOUR, data: chunk.data }, () =>
        storedRollups({ ...chunk, hour }),
      ) ?? []
    );
  }

  /**
   * Rewrites a chunk with `added` counted in: a minute it has becomes `combine` of both (by default
   * merged), a new one joins.
   */
  #merge(
    chunk: ChunkRow,
    stored: RollupRow[],
    added: RollupRow[],
    combine: (old: RollupRow, row: RollupRow) => RollupRow = mergeRollups,
  ): void {
    const byMinute = new Map(stored.map((row) => [row.minute, row]));
    for (const row of added) {
      const old = byMinute.get(row.minute);
      byMinute.set(row.minute, old === undefined ? row : combine(old, row));
    }
    const rows = [...byMinute.values()];
    this.#updateChunk.run(rows.length, encodeRollups(rows), chunk.id);
  }
}
