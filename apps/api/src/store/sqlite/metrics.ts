import type { DatabaseSync } from "node:sqlite";
import type { MetricPoint } from "@crowsnest/protocol";
import type { MetricRange, MetricRepository } from "../store.ts";

export class SqliteMetricRepository implements MetricRepository {
  readonly #raw;
  readonly #rollups;

  constructor(db: DatabaseSync) {
    this.#raw = db.prepare(`
      SELECT t, cpu_percent AS cpuPercent, cpu_percent AS cpuPercentMax,
             mem_used AS memUsedBytes, mem_used AS memUsedBytesMax, mem_limit AS memLimitBytes,
             net_rx AS netRxBytes, net_tx AS netTxBytes, blk_read AS blkReadBytes, blk_write AS blkWriteBytes, pids
      FROM metric_samples
      WHERE host_id = ? AND container_id = ? AND t BETWEEN ? AND ?
      ORDER BY t`);
    this.#rollups = db.prepare(`
      SELECT minute AS t, cpu_sum / n AS cpuPercent, cpu_max AS cpuPercentMax,
             mem_sum / n AS memUsedBytes, mem_max AS memUsedBytesMax, mem_limit AS memLimitBytes,
             net_rx AS netRxBytes, net_tx AS netTxBytes, blk_read AS blkReadBytes, blk_write AS blkWriteBytes,
             pids_sum / n AS pids
      FROM metric_rollups_1m
      WHERE host_id = ? AND container_id = ? AND minute BETWEEN ? AND ?
      ORDER BY minute`);
  }

  async raw(range: MetricRange): Promise<MetricPoint[]> {
    return this.#raw.all(range.hostId, range.containerId, range.from, range.to) as unknown as MetricPoint[];
  }

  async rollups(range: MetricRange): Promise<MetricPoint[]> {
    return this.#rollups.all(
      range.hostId,
      range.containerId,
      range.from,
      range.to,
    ) as unknown as MetricPoint[];
  }
}
