import type { DatabaseSync } from "node:sqlite";
import { tsToNs } from "../log-time.ts";
import { HOUR, MINUTE } from "../metric-chunk.ts";
import type { RetentionRepository } from "../store.ts";
import { lineIdsWhere } from "./log-keys.ts";

/**
 * The rollup tier's tables: its chunks, each holding `n` minutes, and the rows of the minutes not
 * in a chunk yet; the raw tier has only chunks (staged samples are packed first, metric-packer.ts).
 */
const ROLLUP_CHUNKS_ENDED = `DELETE FROM metric_rollup_chunks WHERE id IN (
  SELECT c.id FROM series s JOIN metric_rollup_chunks c ON c.series = s.id AND c.hour <= $t - ${HOUR} LIMIT $limit)
  RETURNING n`;
const RAW_CHUNKS_ENDED = `DELETE FROM metric_chunks WHERE id IN (
  SELECT c.id FROM series s JOIN metric_chunks c ON c.series = s.id AND c.start <= $t - ${MINUTE} AND c.start + c.span <= $t
  LIMIT $limit)
  RETURNING n`;

/**
 * Runs of an agent deleteBatchLedgerBefore visits a call: two seeks each, so that a call stays a
 * few milliseconds on the event loop however many runs the ledger holds (a helper's probe: 20,000
 * runs, all visited, took 343 ms a call).
 */
const LEDGER_RUNS_PER_CALL = 256;

export class SqliteRetentionRepository implements RetentionRepository {
  readonly #packRaw: (now: number, limit: number) => Promise<number>;
  readonly #rawChunks;
  readonly #rollupChunks;
  readonly #rollupRows;
  readonly #damagedBefore;
  readonly #logsBefore;
  readonly #overCap;
  readonly #oldestLogs;
  readonly #runsAfter;
  readonly #firstKept;
  readonly #ledgerBefore;
  readonly #emptyRun;
  readonly #eventsBefore;
  readonly #tombstonesBefore;
  /** The last run of an agent deleteBatchLedgerBefore visited: the next call goes on after it. */
  #lastRun = 0;

  /**
   * `packRaw`: the telemetry writer's packRawMetrics (SqliteTelemetryWriter, or its worker thread's),
   * so that every metric write is on the writer's connection.
   */
  constructor(db: DatabaseSync, packRaw: (now: number, limit: number) => Promise<number>) {
    this.#packRaw = packRaw;
    // The chunk tables have no index on time alone (migration 9): each walks the series, and each
    // series' rows in time order. The rollup rows have one (migration 24).
    this.#rawChunks = db.prepare(RAW_CHUNKS_ENDED);
    this.#rollupChunks = db.prepare(ROLLUP_CHUNKS_ENDED);
    // Damaged chunks set aside (migration 18) go as their tier's chunks would have; a few rows.
    this.#damagedBefore = db.prepare(
      "DELETE FROM metric_chunks_damaged WHERE tier = ? AND start + span <= ?",
    );
    this.#rollupRows = db.prepare(`
      DELETE FROM metric_rollups WHERE (series, minute) IN (
        SELECT series, minute FROM metric_rollups INDEXED BY metric_rollups_minute WHERE minute < ? LIMIT ?)`);
    // Lines by their keys (migration 19): the series index a series at a time (CROSS JOIN: without
    // ANALYZE's figures SQLite would scan the whole index), the pending keys by a scan.
    this.#logsBefore = db.prepare(`
      DELETE FROM log_lines WHERE id IN (
        SELECT id FROM (
          SELECT k.id FROM series s CROSS JOIN log_series_index k ON k.series = s.id AND k.ts < $ts
          UNION ALL SELECT id FROM log_series_pending WHERE ts < $ts)
        LIMIT $limit)`);
    this.#overCap = db.prepare("SELECT id, log_bytes - ? AS excess FROM hosts WHERE log_bytes > ?");
    // Oldest received first: ids grow with arrival. The window stops once it covers the bytes asked for.
    this.#oldestLogs = db.prepare(`
      DELETE FROM log_lines WHERE id IN (
        SELECT id FROM (
          SELECT id, sum(len) OVER (ORDER BY id) - len AS freed_before
          FROM (SELECT id, length(CAST(text AS BLOB)) AS len FROM log_lines WHERE id IN (
                  ${lineIdsWhere("series IN (SELECT id FROM series WHERE host_id = $host)")} ORDER BY id LIMIT $limit)
                ORDER BY id)
        ) WHERE freed_before < $bytes
      )`);
    // The ledger has no index by time (migration 25): each run of an agent's batches in seq order.
    this.#runsAfter = db.prepare(
      "SELECT id, incarnation FROM agent_incarnations WHERE id > ? ORDER BY id LIMIT ?",
    );
    this.#firstKept = db.prepare(
      "SELECT seq FROM ingested_batches WHERE incarnation = ? AND stored_at >= ? ORDER BY seq LIMIT 1",
    );
    this.#ledgerBefore = db.prepare(`
      DELETE FROM ingested_batches WHERE (incarnation, seq, digest) IN (
        SELECT incarnation, seq, digest FROM ingested_batches
        WHERE incarnation = $run AND ($below IS NULL OR seq < $below) AND stored_at < $t
        ORDER BY seq LIMIT $limit)`);
    this.#emptyRun = db.prepare(
      "DELETE FROM agent_incarnations WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM ingested_batches WHERE incarnation = ?1)",
    );
    this.#eventsBefore = db.prepare(
      "DELETE FROM container_events WHERE id IN (SELECT id FROM container_events WHERE time < ? LIMIT ?)",
    );
    this.#tombstonesBefore = db.prepare(
      "DELETE FROM containers WHERE rowid IN (SELECT rowid FROM containers WHERE removed_at < ? LIMIT ?)",
    );
  }

  /**
   * Packs staging that has been due for a minute at `now` (ms; SqliteMetricPacker.packDue), and
   * finished hours (MetricWriter.pack: while writes come, only those over for an hour more), at
   * least `limit` samples when there are: what the writer, which packs the newest as writes come,
   * would have packed had writes not stopped, or a backlog its writes' budgets leave. The rest is
   * left to it, so that a sweep does not pack it in large transactions that hold up acks.
   */
  packRawMetrics(now: number, limit: number): Promise<number> {
    return this.#packRaw(now - MINUTE, limit);
  }

  /**
   * A chunk goes once its whole span is before `t` (staged samples once packed), and so does a
   * damaged one set aside. Returns the samples deleted.
   */
  async deleteRawMetricsBefore(t: number, limit: number): Promise<number> {
    this.#damagedBefore.run("raw", t);
    return heldBy(this.#rawChunks.all({ t, limit }));
  }

  /** An hour's chunk (or its damaged copy) goes once its whole hour is before `t`; then rows. Returns the minutes deleted. */
  async deleteRollupsBefore(t: number, limit: number): Promise<number> {
    this.#damagedBefore.run("1m", t);
    const chunks = this.#rollupChunks.all({ t, limit });
    const held = heldBy(chunks);
    if (chunks.length === limit) return held;
    return held + Number(this.#rollupRows.run(t, limit - chunks.length).changes);
  }

  async deleteLogsBefore(ts: string, limit: number): Promise<number> {
    return Number(this.#logsBefore.run({ ts: tsToNs(ts), limit }).changes);
  }

  async hostsOverLogCap(capBytes: number): Promise<{ hostId: string; excessBytes: number }[]> {
    const rows = this.#overCap.all(capBytes, capBytes) as unknown as { id: string; excess: number }[];
    return rows.map((row) => ({ hostId: row.id, excessBytes: row.excess }));
  }

  async deleteOldestLogs(hostId: string, bytes: number, limit: number): Promise<number> {
    return Number(this.#oldestLogs.run({ host: hostId, limit, bytes }).changes);
  }

  /**
   * Visits at most LEDGER_RUNS_PER_CALL runs of an agent (`agent_incarnations`), going on from the
   * last call's, until `limit` batches are deleted. A run cut its batches in seq order, so its
   * batches stored before `t` are those below its first one stored since, but for a resend that took
   * a while: a batch stored before `t` above one stored since goes once that one has gone too. The
   * run '' (every run of the agents that send no incarnation, whose seq goes back when their state
   * is reset) is read whole, by time. A run left with no batch goes (its agent's next batch makes it
   * anew), so the runs visited are those of the ledger's retention, not every start of every agent.
   */
  async deleteBatchLedgerBefore(t: number, limit: number): Promise<number> {
    let deleted = 0;
    const runs = this.#runsAfter.all(this.#lastRun, LEDGER_RUNS_PER_CALL) as {
      id: number;
      incarnation: string;
    }[];
    for (const run of runs) {
      const kept =
        run.incarnation === "" ? undefined : (this.#firstKept.get(run.id, t) as { seq: number } | undefined);
      const left = limit - deleted;
      const n = Number(
        this.#ledgerBefore.run({ run: run.id, below: kept?.seq ?? null, t, limit: left }).changes,
      );
      deleted += n;
      // The run may hold more: the next call starts with it.
      if (n === left) return deleted;
      this.#emptyRun.run(run.id);
      this.#lastRun = run.id;
    }
    if (runs.length < LEDGER_RUNS_PER_CALL) this.#lastRun = 0;
    return deleted;
  }

  async deleteContainerHistoryBefore(t: number, limit: number): Promise<number> {
    const events = Number(this.#eventsBefore.run(t, limit).changes);
    if (events === limit) return events;
    return events + Number(this.#tombstonesBefore.run(t, limit - events).changes);
  }
}

/** The samples (or minutes) the deleted chunks held, from their returned `n`. */
function heldBy(chunks: readonly unknown[]): number {
  return (chunks as { n: number }[]).reduce((sum, chunk) => sum + chunk.n, 0);
}
