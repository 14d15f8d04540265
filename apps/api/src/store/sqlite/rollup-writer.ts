import type { DatabaseSync } from "node:sqlite";
import type { MetricSample } from "@crowsnest/protocol";
import { byPeriod, HOUR, MINUTE } from "./metric-chunk.ts";
import {
  CPU_UNITS,
  decodeRollups,
  encodeRollups,
  mergeRollups,
  type RollupRow,
  rollupCpu,
} from "./rollup-chunk.ts";

/** The head row columns as a RollupRow, CPU in percent as the head keeps it (converted by fromHead). */
const HEAD_ROW = `minute, n AS samples, cpu_sum AS cpuSum, cpu_min AS cpuMin, cpu_max AS cpuMax, mem_sum AS memSum,
  mem_min AS memMin, mem_max AS memMax, mem_limit AS memLimit, net_rx AS netRx, net_tx AS netTx,
  blk_read AS blkRead, blk_write AS blkWrite, pids_sum AS pidsSum`;

interface ChunkRow {
  id: number;
  data: Uint8Array;
}

/**
 * Counts samples into one-minute rollups, inside the caller's transaction (migration 11): the
 * rollups of a series' current hour are rows (`metric_rollups`, one upsert per sample); once the
 * series' samples reach a new hour, its rows of the hours before become one chunk per hour
 * (`metric_rollup_chunks`, rollup-chunk.ts), about 60 times fewer rows at a tenth of their bytes.
 * A late sample of a packed hour is merged into that hour's chunk.
 */
export class RollupWriter {
  readonly #upsert;
  readonly #headBefore;
  readonly #deleteHeadBefore;
  readonly #chunk;
  readonly #insertChunk;
  readonly #updateChunk;

  constructor(db: DatabaseSync) {
    this.#upsert = db.prepare(`
      INSERT INTO metric_rollups (series, minute, n, cpu_sum, cpu_min, cpu_max, mem_sum, mem_min, mem_max, mem_limit,
                                  net_rx, net_tx, blk_read, blk_write, pids_sum)
      VALUES ($series, $t - ($t % ${MINUTE}), 1, $cpu, $cpu, $cpu, $mem, $mem, $mem, $memLimit,
              $netRx, $netTx, $blkRead, $blkWrite, $pids)
      ON CONFLICT (series, minute) DO UPDATE SET
        n = n + 1,
        cpu_sum = cpu_sum + excluded.cpu_sum, cpu_min = min(cpu_min, excluded.cpu_min), cpu_max = max(cpu_max, excluded.cpu_max),
        mem_sum = mem_sum + excluded.mem_sum, mem_min = min(mem_min, excluded.mem_min), mem_max = max(mem_max, excluded.mem_max),
        mem_limit = excluded.mem_limit,
        net_rx = max(net_rx, excluded.net_rx), net_tx = max(net_tx, excluded.net_tx),
        blk_read = max(blk_read, excluded.blk_read), blk_write = max(blk_write, excluded.blk_write),
        pids_sum = pids_sum + excluded.pids_sum`);
    this.#headBefore = db.prepare(
      `SELECT ${HEAD_ROW} FROM metric_rollups WHERE series = ? AND minute < ? ORDER BY minute`,
    );
    this.#deleteHeadBefore = db.prepare("DELETE FROM metric_rollups WHERE series = ? AND minute < ?");
    this.#chunk = db.prepare("SELECT id, data FROM metric_rollup_chunks WHERE series = ? AND hour = ?");
    this.#insertChunk = db.prepare(
      "INSERT INTO metric_rollup_chunks (series, hour, n, data) VALUES (?, ?, ?, ?)",
    );
    this.#updateChunk = db.prepare("UPDATE metric_rollup_chunks SET n = ?, data = ? WHERE id = ?");
  }

  /**
   * Counts a sample (new to the raw tier) in its minute's rollup. `packed`: whether the series'
   * hours before the current one are packed (its samples reached a later hour than this one's):
   * then the sample's hour may already be a chunk.
   */
  add(series: number, sample: MetricSample, packed: boolean): void {
    if (packed) {
      const hour = sample.t - (sample.t % HOUR);
      const chunk = this.#chunk.get(series, hour) as ChunkRow | undefined;
      if (chunk !== undefined) {
        this.#merge(chunk, decodeRollups(chunk.data), [sampleRollup(sample)]);
        return;
      }
    }
    this.#upsert.run({
      series,
      t: sample.t,
      cpu: rollupCpu(sample.cpuPercent),
      mem: sample.memUsedBytes,
      memLimit: sample.memLimitBytes,
      netRx: sample.netRxBytes,
      netTx: sample.netTxBytes,
      blkRead: sample.blkReadBytes,
      blkWrite: sample.blkWriteBytes,
      pids: sample.pids,
    });
  }

  /** Packs the series' rollup rows of the hours before `hour` into one chunk per hour (merged into one there already). */
  pack(series: number, hour: number): void {
    const rows = (this.#headBefore.all(series, hour) as unknown as RollupRow[]).map(fromHead);
    if (rows.length === 0) return;
    for (const [start, minutes] of byPeriod(rows, (r) => r.minute, HOUR)) {
      const chunk = this.#chunk.get(series, start) as ChunkRow | undefined;
      if (chunk === undefined) this.#insertChunk.run(series, start, minutes.length, encodeRollups(minutes));
      else this.#merge(chunk, decodeRollups(chunk.data), minutes);
    }
    this.#deleteHeadBefore.run(series, hour);
  }

  /** Rewrites a chunk with `added` counted in: a minute it has is merged, a new one joins. */
  #merge(chunk: ChunkRow, stored: RollupRow[], added: RollupRow[]): void {
    const byMinute = new Map(stored.map((row) => [row.minute, row]));
    for (const row of added) {
      const old = byMinute.get(row.minute);
      byMinute.set(row.minute, old === undefined ? row : mergeRollups(old, row));
    }
    const rows = [...byMinute.values()];
    this.#updateChunk.run(rows.length, encodeRollups(rows), chunk.id);
  }
}

/** A head row (CPU in percent) as a chunk's row (CPU in CPU_UNITS, exact: the head's CPU values are rounded to them). */
function fromHead(row: RollupRow): RollupRow {
  return {
    ...row,
    cpuSum: Math.round(row.cpuSum * CPU_UNITS),
    cpuMin: Math.round(row.cpuMin * CPU_UNITS),
    cpuMax: Math.round(row.cpuMax * CPU_UNITS),
  };
}

/** One sample as the rollup of its minute. */
function sampleRollup(s: MetricSample): RollupRow {
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
