import type { MetricPoint } from "@crowsnest/protocol";
import type pg from "pg";
import { decodedChunks } from "../chunk-codec.ts";
import { type Downsampled, downsample } from "../downsample.ts";
import { HOUR, SAMPLE_COLUMNS, type SeriesSample, type StoredChunk } from "../metric-chunk.ts";
import { type RawSamples, rawHistory, rawPoints, rawSamples } from "../raw-samples.ts";
import { rollupPoint, type StoredRollupChunk } from "../rollup-chunk.ts";
import type { MetricHistoryQuery, MetricRange, MetricRepository } from "../store.ts";
import { transaction } from "./database.ts";
import {
  combineLatest,
  fromLatestRow,
  LATEST_ROLLUP_COLUMNS,
  type LatestRollup,
  storedLatestRollups,
} from "./latest-rollups.ts";
import type { SeriesIds } from "./series.ts";

/**
 * Reads the metric tiers: raw samples from a series' chunks (decoded, see metric-chunk.ts) and its
 * rows not packed yet (PgMetricPacker), and one-minute rollups from their hour chunks and the rows
 * of the hours not packed yet.
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

  /** Packed hours (chunks) and the rows of minutes not packed yet, on one snapshot, merged per minute. */
  async rollups(range: MetricRange): Promise<MetricPoint[]> {
    const series = await this.#series.find(this.#pool, range.hostId, range.containerId);
    if (series === null) return [];
    const [chunks, rows] = await snapshot(this.#pool, async (client) => [
      await client.query<StoredRollupChunk>(
        "SELECT n, hour, data FROM metric_rollup_chunks WHERE series = $1 AND hour BETWEEN $2 AND $3 ORDER BY hour",
        [series, range.from - HOUR + 1, range.to],
      ),
      await client.query<LatestRollup>(
        `SELECT ${LATEST_ROLLUP_COLUMNS} FROM metric_rollups WHERE series = $1 AND minute BETWEEN $2 AND $3`,
        [series, range.from, range.to],
      ),
    ]);
    const minutes = decodedChunks(storedLatestRollups, chunks.rows)
      .flat()
      .filter((r) => r.minute >= range.from && r.minute <= range.to);
    return combineLatest([...minutes, ...rows.rows.map(fromLatestRow)]).map(rollupPoint);
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
    const [chunks, rows] = await snapshot(this.#pool, async (client) => [
      // A chunk that starts up to an hour before `from` may still cover it.
      await client.query<StoredChunk>(
        "SELECT n, start, span, data FROM metric_chunks WHERE series = $1 AND start BETWEEN $2 AND $3 ORDER BY start",
        [series, range.from - HOUR + 1, range.to],
      ),
      await client.query<SeriesSample>(
        `SELECT ${SAMPLE_COLUMNS} FROM metric_samples WHERE series = $1 AND t BETWEEN $2 AND $3 ORDER BY t`,
        [series, range.from, range.to],
      ),
    ]);
    return rawSamples(range, chunks.rows, rows.rows);
  }
}

/**
 * Runs `reads` in a read-only REPEATABLE READ transaction: the packer moves rows into chunks, and
 * every read of one query must see the same moment.
 */
function snapshot<T>(pool: pg.Pool, reads: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return transaction(pool, async (client) => {
    await client.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    return reads(client);
  });
}
