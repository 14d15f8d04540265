import type { DatabaseSync } from "node:sqlite";
import type { MetricPoint } from "@crowsnest/protocol";
import { decodedChunks } from "../chunk-codec.ts";
import { type Downsampled, downsample } from "../downsample.ts";
import { HOUR, MINUTE, type SeriesSample, type StoredChunk, storedSamples } from "../metric-chunk.ts";
import {
  combineByMinute,
  fromStoredRow,
  ROLLUP_ROW_COLUMNS,
  rollupsJoining,
  rollupsOf,
} from "../minute-rollups.ts";
import { type RawSamples, rawHistory, rawPoints, rawSamples } from "../raw-samples.ts";
import { type RollupRow, rollupPoint, type StoredRollupChunk, storedRollups } from "../rollup-chunk.ts";
import type { MetricHistoryQuery, MetricRange, MetricRepository } from "../store.ts";
import { readSnapshot } from "./database.ts";
import type { SeriesIds } from "./series.ts";
import { decodeStaged, StagedRow, seriesSamples, stagingGroup } from "./staged-samples.ts";

/**
 * Reads the metric tiers of migration 9: raw samples from a series' chunks (decoded, see
 * metric-chunk.ts) and its staged samples (migration 14, staged-samples.ts); rollups from their
 * chunks (migration 11, rollup-chunk.ts) and rows, and those of the staged samples, which the
 * stored rollups do not count until they are packed (metric-packer.ts); all keyed by series id.
 * A staged sample whose time is packed (a resend, or a series packed while its group's rows wait
 * for the rest of the group) is left out of both: the chunk's counts.
 */
export class SqliteMetricRepository implements MetricRepository {
  readonly #db: DatabaseSync;
  readonly #series: SeriesIds;
  readonly #chunks;
  readonly #staging;
  readonly #rollups;
  readonly #rollupChunks;

  constructor(db: DatabaseSync, series: SeriesIds) {
    this.#db = db;
    this.#series = series;
    // A chunk that starts up to an hour before `from` may still cover it.
    this.#chunks = db.prepare(
      "SELECT n, start, span, data FROM metric_chunks WHERE series = ? AND start BETWEEN ? AND ? ORDER BY start",
    );
    this.#staging = db.prepare("SELECT data FROM metric_staging WHERE host_id = ? AND grp = ? ORDER BY id");
    this.#rollups = db.prepare(`
      SELECT ${ROLLUP_ROW_COLUMNS} FROM metric_rollups WHERE series = ? AND minute BETWEEN ? AND ? ORDER BY minute`);
    this.#rollupChunks = db.prepare(
      "SELECT n, hour, data FROM metric_rollup_chunks WHERE series = ? AND hour BETWEEN ? AND ? ORDER BY hour",
    );
  }

  async raw(range: MetricRange): Promise<MetricPoint[]> {
    return rawPoints(range, this.#raw(range));
  }

  /**
   * Packed hours (chunks), then the rows of hours not packed yet, then the rollups of the staged
   * samples (computed here: a minute or two per series), combined per minute: a minute may be in
   * more than one of them when late samples came.
   */
  async rollups(range: MetricRange): Promise<MetricPoint[]> {
    const series = this.#series.find(range.hostId, range.containerId);
    if (series === null) return [];
    // The packer moves staged samples into the rows and an hour from the rows to a chunk.
    const [chunks, stored, staged, packed] = readSnapshot(this.#db, () => {
      // The staged samples of the minutes that start in the range.
      const firstMinute = Math.ceil(range.from / MINUTE) * MINUTE;
      const lastMinute = Math.floor(range.to / MINUTE) * MINUTE;
      const staged = this.#staged(range.hostId, series, firstMinute, lastMinute + MINUTE - 1);
      const first = staged[0]?.t;
      const last = staged.at(-1)?.t;
      return [
        this.#rollupChunks.all(series, range.from - HOUR + 1, range.to) as unknown as StoredRollupChunk[],
        this.#rollups.all(series, range.from, range.to) as unknown as RollupRow[],
        staged,
        // The raw chunks of the staged samples' minutes, which the stored rollups count.
        first === undefined || last === undefined
          ? []
          : (this.#chunks.all(series, first - HOUR + 1, last) as unknown as StoredChunk[]),
      ] as const;
    });
    const rows: RollupRow[] = [];
    for (const chunkRows of decodedChunks(storedRollups, chunks)) {
      for (const row of chunkRows) if (row.minute >= range.from && row.minute <= range.to) rows.push(row);
    }
    for (const row of stored) rows.push(fromStoredRow(row));
    rows.push(...stagedRollups(staged, packed));
    return combineByMinute(rows).map(rollupPoint);
  }

  async history(query: MetricHistoryQuery): Promise<Downsampled> {
    if (query.tier === "1m")
      return downsample(await this.rollups(query), query.from, query.to, query.maxPoints);
    return rawHistory(query, this.#raw(query));
  }

  /** The series' chunks that may hold samples of the range and its staged samples in it. */
  #raw(range: MetricRange): RawSamples {
    const series = this.#series.find(range.hostId, range.containerId);
    if (series === null) return rawSamples(range, [], []);
    // The packer moves staged samples into chunks.
    const [chunks, staged] = readSnapshot(
      this.#db,
      () =>
        [
          this.#chunks.all(series, range.from - HOUR + 1, range.to) as unknown as StoredChunk[],
          this.#staged(range.hostId, series, range.from, range.to),
        ] as const,
    );
    return rawSamples(range, chunks, staged);
  }

  /** The series' staged samples from `from` to `to` (ms, inclusive), in time order, one per time. */
  #staged(hostId: string, series: number, from: number, to: number): SeriesSample[] {
    const rows = this.#staging.all(hostId, stagingGroup(series)) as unknown as { data: Uint8Array }[];
    // A damaged row is skipped: the packer sets it aside (migration 17).
    const staged = rows.map((row) => decodeStaged(row.data)).filter((r) => r instanceof StagedRow);
    return seriesSamples(staged, series).filter((s) => s.t >= from && s.t <= to);
  }
}

/**
 * The rollups the staged samples add to what is packed (`packed`: the raw chunks of their
 * minutes, whose samples the stored rollups count): a staged sample whose time is packed already
 * (an agent's resend, or a series packed while its group's rows wait) is not counted again, and each minute takes the limit of its latest sample,
 * packed or staged (rollupsJoining), as it will once the packer merges them.
 */
function stagedRollups(staged: readonly SeriesSample[], packed: readonly StoredChunk[]): RollupRow[] {
  if (packed.length === 0) return rollupsOf(staged);
  const minutes = new Set(staged.map((s) => s.t - (s.t % MINUTE)));
  const stored = decodedChunks(storedSamples, packed)
    .flat()
    .filter((s) => minutes.has(s.t - (s.t % MINUTE)));
  const times = new Set(stored.map((s) => s.t));
  return rollupsJoining(
    stored,
    staged.filter((s) => !times.has(s.t)),
  );
}
