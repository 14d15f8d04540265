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

/**
 * A bigint column's value at the bucket's latest sample: arrays compare element by element, and a
 * series has one sample per `t`, so the greatest [t, value] is the latest one's (a null value too).
 */
function latest(column: string): string {
  return `(max(ARRAY[t, ${column}]))[2]`;
}

/**
 * Raw samples merged in the database into buckets of `$4` ms from `$2`, as `Downsampler` merges
 * them (the average, minimum and maximum of each bucket, the memory limit and counters of its
 * latest sample, `t` its start), with each bucket's sample count `n`: a day of one container comes
 * back as some 2,000 rows instead of 86,400.
 */
const RAW_BUCKETS = `SELECT $2::bigint + b * $4::bigint AS t, count(*) AS n,
       avg(cpu_percent) AS "cpuPercent", min(cpu_percent) AS "cpuPercentMin", max(cpu_percent) AS "cpuPercentMax",
       avg(mem_used)::float8 AS "memUsedBytes", min(mem_used) AS "memUsedBytesMin", max(mem_used) AS "memUsedBytesMax",
       ${latest("mem_limit")} AS "memLimitBytes", ${latest("net_rx")} AS "netRxBytes", ${latest("net_tx")} AS "netTxBytes",
       ${latest("blk_read")} AS "blkReadBytes", ${latest("blk_write")} AS "blkWriteBytes",
       avg(pids)::float8 AS pids
FROM (SELECT *, (t - $2::bigint) / $4::bigint AS b FROM metric_samples WHERE series = $1 AND t BETWEEN $2 AND $3) AS s
GROUP BY b ORDER BY b`;

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
    if (query.tier === "1m")
      return downsample(await this.rollups(query), query.from, query.to, query.maxPoints);
    const series = await this.#series.find(this.#pool, query.hostId, query.containerId);
    if (series === null) return { points: [], bucketMs: null };
    // Downsampler's bucket width, so that both backends draw the same chart.
    const bucketMs = Math.max(1, Math.ceil((query.to - query.from + 1) / query.maxPoints));
    const { rows } = await this.#pool.query<MetricPoint & { n: number }>(RAW_BUCKETS, [
      series,
      query.from,
      query.to,
      bucketMs,
    ]);
    // Few enough samples pass unchanged, as `downsample` passes them.
    if (rows.reduce((sum, row) => sum + row.n, 0) <= query.maxPoints) {
      return { points: await this.raw(query), bucketMs: null };
    }
    return { points: rows.map(({ n: _, ...point }) => point), bucketMs };
  }

  async #read(sql: string, range: MetricRange): Promise<MetricPoint[]> {
    const series = await this.#series.find(this.#pool, range.hostId, range.containerId);
    if (series === null) return [];
    const { rows } = await this.#pool.query<MetricPoint>(sql, [series, range.from, range.to]);
    return rows;
  }
}
