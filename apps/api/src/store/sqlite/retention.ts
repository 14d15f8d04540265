import type { DatabaseSync } from "node:sqlite";
import { tsToNs } from "../log-time.ts";
import type { RetentionRepository } from "../store.ts";
import { HOUR, MINUTE } from "./metric-chunk.ts";

export class SqliteRetentionRepository implements RetentionRepository {
  readonly #chunksBefore;
  readonly #headBefore;
  readonly #rollupChunksBefore;
  readonly #rollupsBefore;
  readonly #logsBefore;
  readonly #overCap;
  readonly #oldestLogs;
  readonly #ledgerBefore;
  readonly #eventsBefore;
  readonly #tombstonesBefore;

  constructor(db: DatabaseSync) {
    // No table has an index on time alone (migration 9): each walks the series, and each series'
    // rows in time order. A chunk goes once its whole span is before the bound; then head rows.
    this.#chunksBefore = db.prepare(`
      DELETE FROM metric_chunks WHERE id IN (
        SELECT c.id FROM series s
        JOIN metric_chunks c ON c.series = s.id AND c.start <= $t - ${MINUTE} AND c.start + c.span <= $t
        LIMIT $limit)
      RETURNING n`);
    this.#headBefore = db.prepare(`
      DELETE FROM metric_head WHERE (series, t) IN (
        SELECT h.series, h.t FROM series s JOIN metric_head h ON h.series = s.id AND h.t < ? LIMIT ?)`);
    this.#rollupChunksBefore = db.prepare(`
      DELETE FROM metric_rollup_chunks WHERE id IN (
        SELECT c.id FROM series s
        JOIN metric_rollup_chunks c ON c.series = s.id AND c.hour <= $t - ${HOUR}
        LIMIT $limit)
      RETURNING n`);
    this.#rollupsBefore = db.prepare(`
      DELETE FROM metric_rollups WHERE (series, minute) IN (
        SELECT r.series, r.minute FROM series s JOIN metric_rollups r ON r.series = s.id AND r.minute < ? LIMIT ?)`);
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

  async deleteRawMetricsBefore(t: number, limit: number): Promise<number> {
    const chunks = this.#chunksBefore.all({ t, limit }) as unknown as { n: number }[];
    const samples = chunks.reduce((sum, chunk) => sum + chunk.n, 0);
    if (chunks.length === limit) return samples;
    return samples + Number(this.#headBefore.run(t, limit - chunks.length).changes);
  }

  /** An hour's chunk goes once its whole hour is before `t`; then rows. Returns the minutes deleted. */
  async deleteRollupsBefore(t: number, limit: number): Promise<number> {
    const chunks = this.#rollupChunksBefore.all({ t, limit }) as unknown as { n: number }[];
    const minutes = chunks.reduce((sum, chunk) => sum + chunk.n, 0);
    if (chunks.length === limit) return minutes;
    return minutes + Number(this.#rollupsBefore.run(t, limit - chunks.length).changes);
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
