import type { MetricPoint } from "@crowsnest/protocol";
import type pg from "pg";
import { type Downsampled, downsample } from "../downsample.ts";
import type { MetricHistoryQuery, MetricRange, MetricRepository } from "../store.ts";
import type { SeriesIds } from "./series.ts";

/** Raw samples are wide rows, so a point's minimum and maximum are its value. */
const RAW = `SELECT t, cpu_percent AS "cpuPercent", cpu_percent AS "cpuPercentMin", cpu_percent AS "cpuPercentMax",
       mem_used AS "memUsedBytes", mem_used AS "memUsedBytesMin", mem_used AS "memUsedBytesMax",
       mem_limit AS "memLimitBytes", net_rx AS "netRxBytes", net_tx AS "netTxBytes",
       blk_read AS "blkReadBytes", blk_write AS "blkWriteBytes", pids
FROM metric_samples WHERE series = $1 AND t BETWEEN $2 AND $3 ORDER BY t`;

const ROLLUPS = `SELECT minute AS t, cpu_sum / n AS "cpuPercent", cpu_min AS "cpuPercentMin", cpu_max AS "cpuPercentMax",
       mem_sum::float8 / n AS "memUsedBytes", mem_min AS "memUsedBytesMin", mem_max AS "memUsedBytesMax",
       mem_limit AS "memLimitBytes", net_rx AS "netRxBytes", net_tx AS "netTxBytes",
       blk_read AS "blkReadBytes", blk_write AS "blkWriteBytes", pids_sum::float8 / n AS pids
FROM metric_rollups WHERE series = $1 AND minute BETWEEN $2 AND $3 ORDER BY minute`;

/** Reads the metric tiers: raw samples (one row each) and one-minute rollups, keyed by series id. */
export class PgMetricRepository implements MetricRepository {
  readonly #pool: pg.Pool;
  readonly #series: SeriesIds;

  constructor(pool: pg.Pool, series: SeriesIds) {
    this.#pool = pool;
    this.#series = series;
  }

  async raw(range: MetricRange): Promise<MetricPoint[]> {
    return this.#read(RAW, range);
  }

  async rollups(range: MetricRange): Promise<MetricPoint[]> {
    return this.#read(ROLLUPS, range);
  }

  async history(query: MetricHistoryQuery): Promise<Downsampled> {
    const points = query.tier === "1m" ? await this.rollups(query) : await this.raw(query);
    return downsample(points, query.from, query.to, query.maxPoints);
  }

  async #read(sql: string, range: MetricRange): Promise<MetricPoint[]> {
    const series = await this.#series.find(this.#pool, range.hostId, range.containerId);
    if (series === null) return [];
    const { rows } = await this.#pool.query<MetricPoint>(sql, [series, range.from, range.to]);
    return rows;
  }
}
