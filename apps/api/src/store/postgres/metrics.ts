import type { MetricPoint } from "@crowsnest/protocol";
import type pg from "pg";
import { type Downsampled, downsample } from "../downsample.ts";
import { HOUR, SAMPLE_COLUMNS, type SeriesSample } from "../metric-chunk.ts";
import { type RawSamples, rawHistory, rawPoints, rawSamples } from "../raw-samples.ts";
import type { MetricHistoryQuery, MetricRange, MetricRepository } from "../store.ts";
import { transaction } from "./database.ts";
import type { SeriesIds } from "./series.ts";

const ROLLUPS = `SELECT minute AS t, cpu_sum / n AS "cpuPercent", cpu_min AS "cpuPercentMin", cpu_max AS "cpuPercentMax",
       mem_sum::float8 / n AS "memUsedBytes", mem_min AS "memUsedBytesMin", mem_max AS "memUsedBytesMax",
       mem_limit AS "memLimitBytes", net_rx AS "netRxBytes", net_tx AS "netTxBytes",
       blk_read AS "blkReadBytes", blk_write AS "blkWriteBytes", pids_sum::float8 / n AS pids
FROM metric_rollups WHERE series = $1 AND minute BETWEEN $2 AND $3 ORDER BY minute`;

/**
 * Reads the metric tiers: raw samples from a series' chunks (decoded, see metric-chunk.ts) and its
 * rows not packed yet (PgMetricPacker), and one-minute rollups (one row per series and minute).
 */
export class PgMetricRepository implements MetricRepository {
  readonly #pool: pg.Pool;
  readonly #series: SeriesIds;

  constructor(pool: pg.Pool, series: SeriesIds) {
    this.#pool = pool;
    this.#series = series;
  }

  async raw(range: MetricRange): Promise<MetricPoint[]> {
    return rawPoints(range, await this.#raw(range));
  }

  async rollups(range: MetricRange): Promise<MetricPoint[]> {
    const series = await this.#series.find(this.#pool, range.hostId, range.containerId);
    if (series === null) return [];
    const { rows } = await this.#pool.query<MetricPoint>(ROLLUPS, [series, range.from, range.to]);
    return rows;
  }

  async history(query: MetricHistoryQuery): Promise<Downsampled> {
    if (query.tier === "1m")
      return downsample(await this.rollups(query), query.from, query.to, query.maxPoints);
    return rawHistory(query, await this.#raw(query));
  }

  /** The series' chunks that may hold samples of the range and its rows in it, read on one snapshot. */
  async #raw(range: MetricRange): Promise<RawSamples> {
    const series = await this.#series.find(this.#pool, range.hostId, range.containerId);
    if (series === null) return rawSamples(range, [], []);
    // The packer moves rows into chunks: both reads see the same moment.
    const [chunks, rows] = await transaction(this.#pool, async (client) => {
      await client.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      // A chunk that starts up to an hour before `from` may still cover it.
      const chunks = await client.query<{ data: Buffer }>(
        "SELECT data FROM metric_chunks WHERE series = $1 AND start BETWEEN $2 AND $3 ORDER BY start",
        [series, range.from - HOUR + 1, range.to],
      );
      const rows = await client.query<SeriesSample>(
        `SELECT ${SAMPLE_COLUMNS} FROM metric_samples WHERE series = $1 AND t BETWEEN $2 AND $3 ORDER BY t`,
        [series, range.from, range.to],
      );
      return [chunks.rows.map((c) => c.data), rows.rows] as const;
    });
    return rawSamples(range, chunks, rows);
  }
}
