import type { DatabaseSync } from "node:sqlite";
import type { MetricPoint } from "@crowsnest/protocol";
import { type Downsampled, downsample } from "../downsample.ts";
import { HOUR, MINUTE, SAMPLE_COLUMNS, type SeriesSample } from "../metric-chunk.ts";
import { combineByMinute, fromStoredRow, ROLLUP_ROW_COLUMNS, rollupsOf } from "../minute-rollups.ts";
import { type RawSamples, rawHistory, rawPoints, rawSamples } from "../raw-samples.ts";
import { decodeRollups, type RollupRow, rollupPoint } from "../rollup-chunk.ts";
import type { MetricHistoryQuery, MetricRange, MetricRepository } from "../store.ts";
import { readSnapshot } from "./database.ts";
import type { SeriesIds } from "./series.ts";

/**
 * Reads the metric tiers of migration 9: raw samples from a series' chunks (decoded, see
 * metric-chunk.ts) and its head rows; rollups from their chunks (migration 11, rollup-chunk.ts)
 * and rows, and those of the samples still in the head, which the stored rollups do not count
 * (rollup-writer.ts); all keyed by series id.
 */
export class SqliteMetricRepository implements MetricRepository {
  readonly #db: DatabaseSync;
  readonly #series: SeriesIds;
  readonly #chunks;
  readonly #head;
  readonly #rollups;
  readonly #rollupChunks;

  constructor(db: DatabaseSync, series: SeriesIds) {
    this.#db = db;
    this.#series = series;
    // A chunk that starts up to an hour before `from` may still cover it.
    this.#chunks = db.prepare(
      "SELECT data FROM metric_chunks WHERE series = ? AND start BETWEEN ? AND ? ORDER BY start",
    );
    this.#head = db.prepare(
      `SELECT ${SAMPLE_COLUMNS} FROM metric_head WHERE series = ? AND t BETWEEN ? AND ? ORDER BY t`,
    );
    this.#rollups = db.prepare(`
      SELECT ${ROLLUP_ROW_COLUMNS} FROM metric_rollups WHERE series = ? AND minute BETWEEN ? AND ? ORDER BY minute`);
    this.#rollupChunks = db.prepare(
      "SELECT data FROM metric_rollup_chunks WHERE series = ? AND hour BETWEEN ? AND ? ORDER BY hour",
    );
  }

  async raw(range: MetricRange): Promise<MetricPoint[]> {
    return rawPoints(range, this.#raw(range));
  }

  /**
   * Packed hours (chunks), then the rows of the current hour, then the rollups of the head rows
   * (computed here: a minute or so per series), combined per minute: a minute may be in more than
   * one of them when late samples came.
   */
  async rollups(range: MetricRange): Promise<MetricPoint[]> {
    const series = this.#series.find(range.hostId, range.containerId);
    if (series === null) return [];
    // The writer moves a minute from the head to the rows and an hour from the rows to a chunk.
    const [chunks, stored, head] = readSnapshot(this.#db, () => {
      // The head rows of the minutes that start in the range.
      const firstMinute = Math.ceil(range.from / MINUTE) * MINUTE;
      const lastMinute = Math.floor(range.to / MINUTE) * MINUTE;
      return [
        this.#rollupChunks.all(series, range.from - HOUR + 1, range.to) as unknown as { data: Uint8Array }[],
        this.#rollups.all(series, range.from, range.to) as unknown as RollupRow[],
        this.#head.all(series, firstMinute, lastMinute + MINUTE - 1) as unknown as SeriesSample[],
      ] as const;
    });
    const rows: RollupRow[] = [];
    for (const chunk of chunks) {
      for (const row of decodeRollups(chunk.data)) {
        if (row.minute >= range.from && row.minute <= range.to) rows.push(row);
      }
    }
    for (const row of stored) rows.push(fromStoredRow(row));
    rows.push(...rollupsOf(head));
    return combineByMinute(rows).map(rollupPoint);
  }

  async history(query: MetricHistoryQuery): Promise<Downsampled> {
    if (query.tier === "1m")
      return downsample(await this.rollups(query), query.from, query.to, query.maxPoints);
    return rawHistory(query, this.#raw(query));
  }

  /** The series' chunks that may hold samples of the range and its head rows in it. */
  #raw(range: MetricRange): RawSamples {
    const series = this.#series.find(range.hostId, range.containerId);
    if (series === null) return rawSamples(range, [], []);
    // The writer moves a minute's head rows into a chunk.
    const [chunks, head] = readSnapshot(
      this.#db,
      () =>
        [
          this.#chunks.all(series, range.from - HOUR + 1, range.to) as unknown as { data: Uint8Array }[],
          this.#head.all(series, range.from, range.to) as unknown as SeriesSample[],
        ] as const,
    );
    return rawSamples(
      range,
      chunks.map((c) => c.data),
      head,
    );
  }
}
