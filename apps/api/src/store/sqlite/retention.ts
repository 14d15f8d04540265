import type { DatabaseSync } from "node:sqlite";
import type { RetentionRepository } from "../store.ts";

export class SqliteRetentionRepository implements RetentionRepository {
  readonly #rawBefore;
  readonly #rollupsBefore;
  readonly #logsBefore;
  readonly #overCap;
  readonly #oldestLogs;
  readonly #ledgerBefore;
  readonly #eventsBefore;
  readonly #tombstonesBefore;

  constructor(db: DatabaseSync) {
    this.#rawBefore = db.prepare(
      "DELETE FROM metric_samples WHERE rowid IN (SELECT rowid FROM metric_samples WHERE t < ? LIMIT ?)",
    );
    this.#rollupsBefore = db.prepare(
      "DELETE FROM metric_rollups_1m WHERE rowid IN (SELECT rowid FROM metric_rollups_1m WHERE minute < ? LIMIT ?)",
    );
    this.#logsBefore = db.prepare(
      "DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines WHERE ts < ? LIMIT ?)",
    );
    this.#overCap = db.prepare("SELECT id, log_bytes - ? AS excess FROM hosts WHERE log_bytes > ?");
    // Oldest received first: ids grow with arrival. The window stops once it covers the bytes asked for.
    this.#oldestLogs = db.prepare(`
      DELETE FROM log_lines WHERE id IN (
        SELECT id FROM (
          SELECT id, sum(len) OVER (ORDER BY id) - len AS freed_before
          FROM (SELECT id, length(CAST(text AS BLOB)) AS len FROM log_lines WHERE host_id = ? ORDER BY id LIMIT ?)
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
    return Number(this.#rawBefore.run(t, limit).changes);
  }

  async deleteRollupsBefore(t: number, limit: number): Promise<number> {
    return Number(this.#rollupsBefore.run(t, limit).changes);
  }

  async deleteLogsBefore(ts: string, limit: number): Promise<number> {
    return Number(this.#logsBefore.run(ts, limit).changes);
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
