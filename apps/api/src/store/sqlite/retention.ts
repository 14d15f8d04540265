import type { DatabaseSync, StatementSync } from "node:sqlite";
import { tsToNs } from "../log-time.ts";
import { HOUR, MINUTE, SAMPLE_COLUMNS, type SeriesSample } from "../metric-chunk.ts";
import { rollupsOf } from "../minute-rollups.ts";
import type { RetentionRepository } from "../store.ts";
import { transaction } from "./database.ts";
import { RollupWriter } from "./rollup-writer.ts";

/**
 * The tables of a tier of metrics: its chunks, each holding `n` samples (or minutes), and the rows
 * not yet in a chunk, keyed by (series, `time`). `ended` says, of a chunk `c`, that its whole span
 * is before the bound `$t`; `returned`, what the delete of rows returns of each.
 */
interface MetricTier {
  chunks: string;
  ended: string;
  rows: string;
  time: string;
  returned: string;
}

const RAW_TIER: MetricTier = {
  chunks: "metric_chunks",
  ended: `c.start <= $t - ${MINUTE} AND c.start + c.span <= $t`,
  rows: "metric_head",
  time: "t",
  // The samples, to count them in their rollups before they go (see the constructor).
  returned: `series, ${SAMPLE_COLUMNS}`,
};

const ROLLUP_TIER: MetricTier = {
  chunks: "metric_rollup_chunks",
  ended: `c.hour <= $t - ${HOUR}`,
  rows: "metric_rollups",
  time: "minute",
  returned: "series",
};

/** The deletes of a tier's retention (see metricTierStatements). */
interface MetricTierDeletes {
  /** Deletes at most `$limit` chunks wholly before `$t`; returns the `n` of each. */
  chunks: StatementSync;
  /** Deletes at most `limit` rows before `t`; returns how many. */
  rows: (t: number, limit: number) => number;
}

export class SqliteRetentionRepository implements RetentionRepository {
  readonly #raw: MetricTierDeletes;
  readonly #rollups: MetricTierDeletes;
  readonly #logsBefore;
  readonly #overCap;
  readonly #oldestLogs;
  readonly #ledgerBefore;
  readonly #eventsBefore;
  readonly #tombstonesBefore;

  constructor(db: DatabaseSync) {
    // No table has an index on time alone (migration 9): each walks the series, and each series'
    // rows in time order.
    const raw = metricTierStatements(db, RAW_TIER);
    const rollupRows = metricTierStatements(db, ROLLUP_TIER);
    const rollups = new RollupWriter(db);
    // Head rows are not counted in the stored rollups (rollup-writer.ts): a series that sent
    // nothing since keeps its last minute in the head until the raw tier's retention, which counts
    // them as they go, since rollups outlive the raw tier. One transaction: counted once or not gone.
    this.#raw = {
      chunks: raw.chunks,
      rows: (t, limit) =>
        transaction(db, () => {
          const deleted = raw.rows.all(t, limit) as unknown as HeadRow[];
          for (const [series, samples] of bySeries(deleted)) {
            for (const rollup of rollupsOf(samples)) rollups.add(series, rollup);
          }
          return deleted.length;
        }),
    };
    this.#rollups = {
      chunks: rollupRows.chunks,
      rows: (t, limit) => rollupRows.rows.all(t, limit).length,
    };
    this.#logsBefore = db.prepare(`
      DELETE FROM log_lines WHERE id IN (
        SELECT l.id FROM series s JOIN log_lines l ON l.series = s.id AND l.ts < ? LIMIT ?)`);
    this.#overCap = db.prepare("SELECT id, log_bytes - ? AS excess FROM hosts WHERE log_bytes > ?");
    // Oldest received first: ids grow with arrival. The window stops once it covers the bytes asked for.
    this.#oldestLogs = db.prepare(`
      DELETE FROM log_lines WHERE id IN (
        SELECT id FROM (
          SELECT id, sum(len) OVER (ORDER BY id) - len AS freed_before
          FROM (SELECT id, length(CAST(text AS BLOB)) AS len FROM log_lines
                WHERE series IN (SELECT id FROM series WHERE host_id = ?) ORDER BY id LIMIT ?)
        ) WHERE freed_before < ?
      )`);
    this.#ledgerBefore = db.prepare(
      "DELETE FROM ingested_batches WHERE rowid IN (SELECT rowid FROM ingested_batches WHERE stored_at < ? LIMIT ?)",
    );
    this.#eventsBefore = db.prepare(
      "DELETE FROM container_events WHERE id IN (SELECT id FROM container_events WHERE time < ? LIMIT ?)",
    );
    this.#tombstonesBefore = db.prepare(
      "DELETE FROM containers WHERE rowid IN (SELECT rowid FROM containers WHERE removed_at < ? LIMIT ?)",
    );
  }

  /** A chunk goes once its whole span is before `t`; then head rows. Returns the samples deleted. */
  async deleteRawMetricsBefore(t: number, limit: number): Promise<number> {
    return deleteMetricTierBefore(this.#raw, t, limit);
  }

  /** An hour's chunk goes once its whole hour is before `t`; then rows. Returns the minutes deleted. */
  async deleteRollupsBefore(t: number, limit: number): Promise<number> {
    return deleteMetricTierBefore(this.#rollups, t, limit);
  }

  async deleteLogsBefore(ts: string, limit: number): Promise<number> {
    return Number(this.#logsBefore.run(tsToNs(ts), limit).changes);
  }

  async hostsOverLogCap(capBytes: number): Promise<{ hostId: string; excessBytes: number }[]> {
    const rows = this.#overCap.all(capBytes, capBytes) as unknown as { id: string; excess: number }[];
    return rows.map((row) => ({ hostId: row.id, excessBytes: row.excess }));
  }

  async deleteOldestLogs(hostId: string, bytes: number, limit: number): Promise<number> {
    return Number(this.#oldestLogs.run(hostId, limit, bytes).changes);
  }

  async deleteBatchLedgerBefore(t: number, limit: number): Promise<number> {
    return Number(this.#ledgerBefore.run(t, limit).changes);
  }

  async deleteContainerHistoryBefore(t: number, limit: number): Promise<number> {
    const events = Number(this.#eventsBefore.run(t, limit).changes);
    if (events === limit) return events;
    return events + Number(this.#tombstonesBefore.run(t, limit - events).changes);
  }
}

/** A head row as retention's delete returns it. */
type HeadRow = { series: number } & SeriesSample;

/** Rows grouped by series. */
function bySeries(rows: readonly HeadRow[]): Map<number, HeadRow[]> {
  const groups = new Map<number, HeadRow[]>();
  for (const row of rows) {
    const group = groups.get(row.series);
    if (group) group.push(row);
    else groups.set(row.series, [row]);
  }
  return groups;
}

/**
 * The statements of a tier's retention, walking the series (see the constructor): `chunks`
 * (named $t, $limit) returns each chunk's `n`, `rows` (positional t, limit) each row's `returned`.
 */
function metricTierStatements(
  db: DatabaseSync,
  { chunks, ended, rows, time, returned }: MetricTier,
): { chunks: StatementSync; rows: StatementSync } {
  return {
    chunks: db.prepare(`
      DELETE FROM ${chunks} WHERE id IN (
        SELECT c.id FROM series s JOIN ${chunks} c ON c.series = s.id AND ${ended} LIMIT $limit)
      RETURNING n`),
    rows: db.prepare(`
      DELETE FROM ${rows} WHERE (series, ${time}) IN (
        SELECT r.series, r.${time} FROM series s JOIN ${rows} r ON r.series = s.id AND r.${time} < ? LIMIT ?)
      RETURNING ${returned}`),
  };
}

/**
 * Retention of a tier of metrics: deletes at most `limit` of its chunks wholly before `t`, then at
 * most the rest of `limit` of its rows before `t`; returns the samples (or minutes) they held.
 */
function deleteMetricTierBefore(tier: MetricTierDeletes, t: number, limit: number): number {
  const chunks = tier.chunks.all({ t, limit }) as unknown as { n: number }[];
  const held = chunks.reduce((sum, chunk) => sum + chunk.n, 0);
  if (chunks.length === limit) return held;
  return held + tier.rows(t, limit - chunks.length);
}
