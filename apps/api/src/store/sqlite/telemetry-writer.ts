import type { DatabaseSync } from "node:sqlite";
import type { ContainerEvent, ContainerInfo, LogLine } from "@crowsnest/protocol";
import { parseWrite } from "../batch-json.ts";
import { tsToNs } from "../log-time.ts";
import type { BatchWrite, ParsedWrite, TelemetryWrite, TelemetryWriter, WriteResult } from "../store.ts";
import { type OutsideWindow, OutsideWindowTally, type TimeWindow } from "../time-window.ts";
import { SqliteBatchLedger } from "./batch-ledger.ts";
import { transaction } from "./database.ts";
import { MetricWriter } from "./metric-writer.ts";
import { SEARCH_TEXT } from "./search-text.ts";
import type { SeriesIds } from "./series.ts";

/**
 * About how many lines' keys wait in `log_series_pending` before the writer moves them into the
 * series index, in key order (migration 19). A move dirties a page of the index for each series
 * with keys pending, however few: with lines spread over 12,000 containers (BENCHMARKS.md figure
 * 3's agents) a bulk of 32,768 put under 3 keys on a page, and the writer took 1.16-1.36 × the
 * CPU a line that it takes with this bulk (`bench/suites/storage-write.ts --logs --containers 600`,
 * two runs, figure 3). The pending table stays about 3 MiB (this many keys and a write's), read by
 * series as the index is, under the 16 MiB page cache.
 */
export const LOG_INDEX_BULK = 131_072;

/**
 * The series ids are moved in this many slices, one after the other, each once LOG_INDEX_BULK /
 * LOG_INDEX_SLICES lines have come since the last: a slice's keys gathered over about
 * LOG_INDEX_BULK lines, as in one move of them all, but a write's transaction takes the pages of
 * one slice's series, not all of them once every few seconds, which held up the writes queued
 * behind it (figure 3). The slices are ranges of equal width over the series ids at the start of a
 * round (the last one open above, for series made during the round), so a slice's share of the
 * keys is its series' share of the lines. A write of LOG_INDEX_BULK lines or more moves them all.
 */
export const LOG_INDEX_SLICES = 16;

/**
 * Where the writer is in its round of the slices (LOG_INDEX_SLICES): lines stored since the last
 * slice moved, the next slice (0 to LOG_INDEX_SLICES - 1), the width of a slice in series ids for
 * this round, and the keys pending by this writer's count: those in the table when it opened, plus
 * its lines, minus its moves. Deletions on other connections (retention, a deleted host) leave the
 * count above the table's, which only brings the next move of them all closer.
 */
interface SliceState {
  linesSinceMove: number;
  next: number;
  width: number;
  pending: number;
}

/** What one `writeCounting` call did: each write's result, and the rows the window left out per host. */
export interface CountedWrite {
  results: WriteResult[];
  outside: Record<string, OutsideWindow>;
}

/**
 * Stores agent data; everything passed to one `write` call commits or rolls back together. A
 * batch's samples and lines outside `window` are left out and counted (see TelemetryWriter).
 */
export class SqliteTelemetryWriter implements TelemetryWriter {
  readonly #db: DatabaseSync;
  readonly #window: TimeWindow;
  readonly #outside = new OutsideWindowTally();
  readonly #hello;
  readonly #seen;
  readonly #removeAbsent;
  readonly #upsertContainer;
  readonly #removeContainer;
  readonly #insertEvent;
  readonly #ledger: SqliteBatchLedger;
  readonly #series: SeriesIds;
  readonly #metrics: MetricWriter;
  readonly #insertLine;
  readonly #nextLineId;
  readonly #indexLines;
  /**
   * The id of the running transaction's first line, from which its lines are not yet in the search
   * index (null while it has none): ids are given in order, so its lines are those from there on.
   */
  #unindexedFrom: number | null = null;
  /** The slices' progress (see LOG_INDEX_SLICES), saved and put back around a rolled back write. */
  #slices: SliceState;
  readonly #topSeries;
  readonly #indexPending;
  readonly #clearPending;
  readonly #addDropped;
  readonly #addLogBytes;
  readonly #hostExists;

  constructor(db: DatabaseSync, series: SeriesIds, window: TimeWindow) {
    this.#db = db;
    this.#window = window;
    this.#series = series;
    this.#metrics = new MetricWriter(db, series);
    this.#hello = db.prepare("UPDATE hosts SET agent_version = ?, info = ?, last_seen = ? WHERE id = ?");
    this.#seen = db.prepare("UPDATE hosts SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?");
    // A removed container stays as a tombstone (removed_at) with its last known info; see migration 8.
    this.#removeAbsent = db.prepare(`
      UPDATE containers SET removed_at = $at
      WHERE host_id = $host AND removed_at IS NULL AND id NOT IN (SELECT value FROM json_each($present))`);
    this.#upsertContainer = db.prepare(`
      INSERT INTO containers (host_id, id, state, info, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (host_id, id) DO UPDATE SET state = excluded.state, info = excluded.info,
        updated_at = excluded.updated_at, removed_at = NULL`);
    this.#removeContainer = db.prepare(
      "UPDATE containers SET removed_at = ? WHERE host_id = ? AND id = ? AND removed_at IS NULL",
    );
    this.#insertEvent = db.prepare(
      "INSERT INTO container_events (host_id, container_id, time, action, exit_code, oom_killed) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#ledger = new SqliteBatchLedger(db);
    // No RETURNING: SQLite keeps what it returns in a temporary B-tree, made and dropped per line.
    this.#insertLine = db.prepare(
      "INSERT INTO log_lines (series, ts, server_offset_ms, stream, truncated, text) VALUES (?, ?, ?, ?, ?, ?)",
    );
    // A rowid table without AUTOINCREMENT gives a new row the largest id plus one while that is below
    // 2^63 - 1 (SQLite's "SQLite Autoincrement" page): a writer alone in its transaction gets the ids
    // from there on.
    this.#nextLineId = db.prepare("SELECT coalesce(max(id), 0) + 1 AS id FROM log_lines");
    // Once a write's lines are in, all in one statement: see migration 16 for why not line by line.
    this.#indexLines = db.prepare(
      `INSERT INTO log_fts (rowid, text) SELECT id, ${SEARCH_TEXT}(text) FROM log_lines WHERE id >= ?`,
    );
    this.#topSeries = db.prepare("SELECT coalesce(max(id), 0) AS id FROM series");
    // An earlier writer's keys count from the start: see SliceState.pending.
    const { pending } = db.prepare("SELECT count(*) AS pending FROM log_series_pending").get() as {
      pending: number;
    };
    this.#slices = { linesSinceMove: 0, next: 0, width: 0, pending };
    // A slice is the series ids in (?1, ?2]: a range of both tables' keys.
    this.#indexPending = db.prepare(
      // OR IGNORE: a key already in the index (a file repaired by hand) is the same entry, and must
      // not fail every write from then on.
      `INSERT OR IGNORE INTO log_series_index (series, ts, id)
       SELECT series, ts, id FROM log_series_pending WHERE series > ?1 AND series <= ?2 ORDER BY series, ts, id`,
    );
    this.#clearPending = db.prepare("DELETE FROM log_series_pending WHERE series > ?1 AND series <= ?2");
    this.#addDropped = db.prepare("UPDATE hosts SET dropped_batches = dropped_batches + ? WHERE id = ?");
    // Once a batch's lines are in, not per line in the insert trigger: see migration 21.
    this.#addLogBytes = db.prepare("UPDATE hosts SET log_bytes = log_bytes + ? WHERE id = ?");
    this.#hostExists = db.prepare("SELECT 1 FROM hosts WHERE id = ?");
  }

  async write(writes: readonly TelemetryWrite[]): Promise<WriteResult[]> {
    const { results, outside } = this.writeCounting(writes);
    this.#outside.merge(outside);
    return results;
  }

  outsideWindow(): Record<string, OutsideWindow> {
    return this.#outside.byHost();
  }

  async packRawMetrics(now: number, limit: number): Promise<number> {
    return this.pack(now, limit);
  }

  /**
   * Packs staging due at `now` (ms) in a transaction of its own, and finished hours (MetricWriter.pack:
   * while writes come, only those over for an hour more), at least `limit` samples when there are;
   * returns the samples packed. What the retention sweep asks every minute, for what writes left;
   * the worker thread runs it as `packRawMetrics` does here.
   */
  pack(now: number, limit: number): number {
    try {
      const packed = transaction(this.#db, () => this.#metrics.pack(now, limit));
      this.#metrics.committed();
      return packed;
    } catch (err) {
      this.#metrics.forget();
      throw err;
    }
  }

  /**
   * Stores the writes in one transaction (synchronously) as `write` does, without adding to
   * `outsideWindow`: returns the results and this call's rows left out, which the worker thread
   * sends back to the WorkerTelemetryWriter that counts them. Throws SQLite's error after a rollback.
   */
  writeCounting(writes: readonly TelemetryWrite[]): CountedWrite {
    const outside = new OutsideWindowTally();
    const slices = { ...this.#slices };
    try {
      const results = transaction(this.#db, () => {
        // Checked in the transaction: a host deleted on the main connection is gone for all of it.
        const exists = new Map<string, boolean>();
        const applied = writes.map(parseWrite).map((write): WriteResult => {
          let known = exists.get(write.hostId);
          if (known === undefined) {
            known = this.#hostExists.get(write.hostId) !== undefined;
            exists.set(write.hostId, known);
          }
          return known ? this.#apply(write, outside) : "unknown-host";
        });
        this.#indexNewLines();
        this.#movePendingLines();
        // Staging is due by the arrival clock (a write's `at`), which a server's writes follow.
        this.#metrics.flush(writes.reduce((latest, w) => Math.max(latest, w.at), 0));
        return applied;
      });
      this.#metrics.committed();
      return { results, outside: outside.byHost() };
    } catch (err) {
      // Series made and samples gathered in the rolled back transaction are gone again.
      this.#series.forget();
      this.#metrics.forget();
      this.#unindexedFrom = null;
      this.#slices = slices;
      throw err;
    }
  }

  #apply(write: ParsedWrite, outside: OutsideWindowTally): WriteResult {
    switch (write.kind) {
      case "hello":
        this.#hello.run(write.agentVersion, JSON.stringify(write.info), write.at, write.hostId);
        return "stored";
      case "seen":
        this.#seen.run(write.at, write.hostId);
        return "stored";
      case "inventory":
        // A snapshot replaces what we knew: containers missing from it are gone (kept as tombstones).
        this.#removeAbsent.run({
          at: write.snapshot.time,
          host: write.hostId,
          present: JSON.stringify(write.snapshot.containers.map((c) => c.id)),
        });
        for (const info of write.snapshot.containers)
          this.#putContainer(write.hostId, info, write.snapshot.time);
        this.#seen.run(write.at, write.hostId);
        return "stored";
      case "batch": {
        const result = this.#ledger.record(write.hostId, write.message, write.at);
        if (result === "duplicate") return result;
        outside.add(write.hostId, this.#applyBatch(write));
        this.#seen.run(write.at, write.hostId);
        return result;
      }
    }
  }

  /**
   * Stores a batch's content, its times put on the server's time line (`clockOffsetMs`, see
   * TelemetryWrite) and only those in the window of its arrival; returns the rows left out.
   */
  #applyBatch(write: BatchWrite): OutsideWindow {
    const { hostId, at, message } = write;
    const clockOffsetMs = write.clockOffsetMs ?? 0;
    switch (message.type) {
      case "events":
        for (const event of message.events) this.#applyEvent(hostId, event);
        break;
      case "metrics": {
        const samples = this.#window.samples(message.samples, clockOffsetMs, at);
        this.#metrics.put(hostId, samples.inside);
        return { samples: samples.outside, lines: 0 };
      }
      case "logs": {
        const lines = this.#window.lines(message.lines, clockOffsetMs, at);
        if (lines.inside.length > 0) this.#unindexedFrom ??= (this.#nextLineId.get() as { id: number }).id;
        let bytes = 0;
        for (const line of lines.inside) bytes += this.#putLine(hostId, line, clockOffsetMs);
        if (bytes > 0) this.#addLogBytes.run(bytes, hostId);
        this.#slices.linesSinceMove += lines.inside.length;
        this.#slices.pending += lines.inside.length;
        return { samples: 0, lines: lines.outside };
      }
      case "gap":
        this.#addDropped.run(message.droppedBatches, hostId);
        break;
    }
    return { samples: 0, lines: 0 };
  }

  #applyEvent(hostId: string, event: ContainerEvent): void {
    if (event.action !== "health_status") {
      const oomKilled = event.action === "die" && event.container?.oomKilled === true;
      this.#insertEvent.run(
        hostId,
        event.containerId,
        event.time,
        event.action,
        event.exitCode,
        oomKilled ? 1 : 0,
      );
    }
    if (event.action === "destroy" || event.container === null) {
      this.#removeContainer.run(event.time, hostId, event.containerId);
    } else {
      this.#putContainer(hostId, event.container, event.time);
    }
  }

  #putContainer(hostId: string, info: ContainerInfo, at: number): void {
    this.#upsertContainer.run(hostId, info.id, info.state, JSON.stringify(info), at);
  }

  /**
   * Inserts a line; returns its text's bytes as stored (UTF-8; a lone surrogate, which the binding
   * stores as U+FFFD, counts its 3 bytes too), what `length(CAST(text AS BLOB))` gives back.
   */
  #putLine(hostId: string, line: LogLine, clockOffsetMs: number): number {
    // The server's time line is Docker's time shifted by whole ms (shiftTs): kept as that shift.
    this.#insertLine.run(
      this.#series.ensure(hostId, line.containerId),
      tsToNs(line.ts),
      -clockOffsetMs,
      line.stream === "stderr" ? 1 : 0,
      line.truncated ? 1 : 0,
      line.text,
    );
    return Buffer.byteLength(line.text, "utf8");
  }

  /**
   * Moves the keys pending in `log_series_pending` (the insert trigger's) of the next slice of the
   * series ids into the series index `log_series_index`, once per LOG_INDEX_BULK / LOG_INDEX_SLICES
   * lines stored: see LOG_INDEX_SLICES. Within one writer a key waits about a round of the slices,
   * LOG_INDEX_BULK lines and a write's (a round after the top series was deleted, with narrower
   * slices, can add one). A writer starts at the first slice, so across restarts only the number
   * pending is bounded: more than LOG_INDEX_BULK (keys earlier writers left, in slices a writer
   * restarted more often than a round never reaches) moves them all at once.
   */
  #movePendingLines(): void {
    const every = LOG_INDEX_BULK / LOG_INDEX_SLICES;
    const slices = this.#slices;
    for (; slices.linesSinceMove >= every; slices.linesSinceMove -= every) {
      if (slices.next === 0)
        slices.width = Math.ceil((this.#topSeries.get() as { id: number }).id / LOG_INDEX_SLICES);
      const from = slices.next * slices.width;
      const to = slices.next === LOG_INDEX_SLICES - 1 ? Number.MAX_SAFE_INTEGER : from + slices.width;
      this.#movePending(from, to);
      slices.next = (slices.next + 1) % LOG_INDEX_SLICES;
    }
    if (slices.pending > LOG_INDEX_BULK) {
      this.#movePending(0, Number.MAX_SAFE_INTEGER);
      // Exact again: the count also held keys that deletions on other connections took.
      slices.pending = 0;
    }
  }

  /** Moves the pending keys of the series ids in (`from`, `to`] into the series index. */
  #movePending(from: number, to: number): void {
    this.#indexPending.run(from, to);
    this.#slices.pending -= Number(this.#clearPending.run(from, to).changes);
  }

  /** Enters the lines of the running transaction in the search index, read back from their table. */
  #indexNewLines(): void {
    if (this.#unindexedFrom === null) return;
    this.#indexLines.run(this.#unindexedFrom);
    this.#unindexedFrom = null;
  }
}
