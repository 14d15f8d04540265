import type { RelayedWrites } from "../live/live-publisher.ts";
import type { ParsedWrite, TelemetryWrite, TelemetryWriter, WriteResult } from "../store/store.ts";
import type { StorageHealth } from "./storage-health.ts";

interface Pending {
  write: TelemetryWrite;
  /** rowCount of the write, counted once at enqueue. */
  rows: number;
  resolve: (result: WriteResult) => void;
  reject: (err: Error) => void;
}

/**
 * A flush takes what is pending up to about `rowsPerFlush` rows (4,000 by default); once this many
 * times that is pending, the store is behind, and a flush takes that many times as much: then a
 * larger transaction costs the writer less a row and acks the last of it sooner. Part of a
 * transaction's cost is per page it dirties, and writes spread over many series dirty a page of
 * each series' index per transaction however few of its rows they bring (SQLite: 4,000 log lines
 * over as many series cost the writer 1.6 times a line what 16,000 did, BENCHMARKS.md figure 3).
 * Below that backlog flushes stay small, so that the first rows of a burst are acked early.
 */
export const BEHIND_FLUSHES = 4;

/**
 * Gathers writes from every agent connection and stores them together, one transaction per
 * flush, in arrival order. A flush takes what is pending, up to about `rowsPerFlush` rows, or
 * BEHIND_FLUSHES times as many once that many flushes' worth is pending. A writer that stores calls in
 * call order (`storesInCallOrder`: the SQLite store's worker thread) is handed a second flush
 * while one runs, so it starts the next transaction as soon as one commits while this thread
 * gathers the one after; any other writer gets one flush at a time. Each flush's writes settle with
 * its own result, so a failed flush fails only its writes. The rows queued or being stored are
 * counted against `backlogRows`: once they reach it the queue is `full`, and the agent connections
 * stop reading their sockets until `onBacklog` says half of them are stored, so that the memory
 * held for a store that falls behind is bounded for any number of agents.
 */
export class WriteQueue implements RelayedWrites {
  readonly #writer: TelemetryWriter;
  readonly #health: StorageHealth;
  readonly #rowsPerFlush: number;
  readonly #flushesInFlight: number;
  readonly #backlogRows: number;
  /** Rows (rowCount) enqueued and not yet settled. */
  #queuedRows = 0;
  /** Rows (rowCount) enqueued and not yet taken into a flush. */
  #pendingRows = 0;
  /** Whether `full` was true since the rows last fell to half the backlog. */
  #wasFull = false;
  readonly #listeners = new Set<(full: boolean) => void>();
  #pending: Pending[] = [];
  #scheduled = false;
  readonly #flushing = new Set<Promise<void>>();
  /** Settles with the newest write queued: writes are stored in order, so with every one before it. */
  #last: Promise<void> = Promise.resolve();
  /** Per host with writes queued or being stored, its newest one's `#last`; gone once that settled. */
  readonly #lastOfHost = new Map<string, Promise<void>>();
  /** Per `#last` that callers of `settled` with a signal wait for, how to answer each; gone once it settled. */
  readonly #waiting = new Map<Promise<void>, Set<() => void>>();

  constructor(writer: TelemetryWriter, health: StorageHealth, rowsPerFlush = 4_000, backlogRows = 100_000) {
    this.#writer = writer;
    this.#health = health;
    this.#rowsPerFlush = rowsPerFlush;
    this.#backlogRows = backlogRows;
    this.#flushesInFlight = writer.storesInCallOrder === true ? 2 : 1;
  }

  /**
   * Queues a write; resolves with what the store made of it. A batch that has its frame's JSON is
   * held as a copy of those bytes alone (BatchJsonWrite) for a writer that `parsesJson`.
   */
  enqueue(given: ParsedWrite): Promise<WriteResult> {
    const write = this.#held(given);
    const rows = rowCount(given, write);
    this.#queuedRows += rows;
    this.#pendingRows += rows;
    if (!this.#wasFull && this.full) {
      this.#wasFull = true;
      for (const listener of this.#listeners) listener(true);
    }
    const result = new Promise<WriteResult>((resolve, reject) => {
      this.#pending.push({ write, rows, resolve, reject });
      this.#schedule();
    });
    const settled = () => this.#settled(rows);
    const last = result.then(settled, settled);
    this.#last = last;
    const { hostId } = write;
    this.#lastOfHost.set(hostId, last);
    void last.then(() => {
      if (this.#lastOfHost.get(hostId) === last) this.#lastOfHost.delete(hostId);
    });
    return result;
  }

  /**
   * The form a write waits in: a batch as its JSON alone for a writer that parses it, else without
   * it. The bytes are copied into a buffer of their own: the frame may be a view into a larger
   * one, which holding it would keep and which postMessage would copy whole.
   */
  #held(given: ParsedWrite): TelemetryWrite {
    if (given.kind !== "batch" || given.json === undefined) return given;
    const { json, ...batch } = given;
    if (this.#writer.parsesJson !== true) return batch;
    return {
      kind: "batch-json",
      hostId: batch.hostId,
      at: batch.at,
      json: new Uint8Array(json),
      clockOffsetMs: batch.clockOffsetMs,
    };
  }

  /** Whether the rows queued or being stored have reached `backlogRows`: read no more from agents. */
  get full(): boolean {
    return this.#queuedRows >= this.#backlogRows;
  }

  /**
   * Calls `listener(true)` each time the queue becomes full, and `listener(false)` each time it is
   * down to half its backlog after; returns the function that stops it.
   */
  onBacklog(listener: (full: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #settled(rows: number): void {
    this.#queuedRows -= rows;
    if (!this.#wasFull || this.#queuedRows > this.#backlogRows / 2) return;
    this.#wasFull = false;
    for (const listener of this.#listeners) listener(false);
  }

  /**
   * Resolves once the writes queued so far are stored or failed: every host's (`hostId` null), or
   * that host's alone, at once when it has none queued, however far behind other hosts' are; or
   * once `signal` aborts. A caller that stopped waiting so leaves nothing of its own attached to the
   * write it waited for (one set per write waited for stays until it settles): while a host's writes
   * are stalled (a full disk), each read of it that gives up would otherwise hold a reaction until
   * the disk recovers.
   */
  settled(hostId: string | null, signal?: AbortSignal): Promise<void> {
    const last = hostId === null ? this.#last : this.#lastOfHost.get(hostId);
    if (last === undefined || signal?.aborted === true) return Promise.resolve();
    if (signal === undefined) return last;
    const waiters = this.#waitersOf(last);
    return new Promise((resolve) => {
      const answer = () => {
        waiters.delete(answer);
        signal.removeEventListener("abort", answer);
        resolve();
      };
      waiters.add(answer);
      signal.addEventListener("abort", answer, { once: true });
    });
  }

  /** The callers waiting for `last` with a signal: one reaction on it answers them all, then forgets them. */
  #waitersOf(last: Promise<void>): Set<() => void> {
    const known = this.#waiting.get(last);
    if (known !== undefined) return known;
    const waiters = new Set<() => void>();
    this.#waiting.set(last, waiters);
    void last.then(() => {
      this.#waiting.delete(last);
      for (const answer of waiters) answer();
    });
    return waiters;
  }

  /** Stores everything queued so far (used at shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing.size > 0) {
      this.#fill();
      await Promise.all(this.#flushing);
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Once the current turn of the event loop has queued what it received, as one flush.
    setImmediate(() => {
      this.#scheduled = false;
      this.#fill();
    });
  }

  /** Starts flushes until `flushesInFlight` are running or nothing is pending. */
  #fill(): void {
    while (this.#flushing.size < this.#flushesInFlight && this.#pending.length > 0) {
      const run: Promise<void> = this.#flush(this.#take()).finally(() => {
        this.#flushing.delete(run);
        if (this.#pending.length > 0) this.#schedule();
      });
      this.#flushing.add(run);
    }
  }

  /** The oldest pending writes, about `rowsPerFlush` rows or BEHIND_FLUSHES times that (at least one write). */
  #take(): Pending[] {
    const behind = BEHIND_FLUSHES * this.#rowsPerFlush;
    const limit = this.#pendingRows >= behind ? behind : this.#rowsPerFlush;
    let rows = 0;
    let count = 0;
    while (count < this.#pending.length && (count === 0 || rows < limit)) {
      rows += this.#pending[count]?.rows ?? 0;
      count++;
    }
    this.#pendingRows -= rows;
    return this.#pending.splice(0, count);
  }

  async #flush(taken: Pending[]): Promise<void> {
    try {
      const results = await this.#writer.write(taken.map((p) => p.write));
      this.#health.succeeded();
      taken.forEach((p, i) => {
        const result = results[i];
        if (result === undefined) p.reject(new Error(`the store returned no result for write ${i}`));
        else p.resolve(result);
      });
    } catch (err) {
      if (taken.length > 1) return this.#flushOneByOne(taken);
      const error = err instanceof Error ? err : new Error(String(err));
      this.#health.failed(error, Date.now());
      for (const p of taken) p.reject(error);
    }
  }

  /**
   * After a flush of several writes failed as one transaction: each write again in its own, in
   * order, so that a write the store refuses (a value out of a column's range from one broken or
   * hostile agent) fails alone instead of taking every other agent's writes of that flush with it.
   * A store that is down fails them all, one by one.
   */
  async #flushOneByOne(taken: Pending[]): Promise<void> {
    for (const p of taken) await this.#flush([p]);
  }
}

/**
 * Characters of text, or bytes of a batch's JSON, that weigh one row (rowCount), a row for each
 * begun: of a log line's (lines this short or shorter, most lines, weigh one; the longest,
 * LIMITS.logLineBytes of 256 KiB, 1,024), or of a batch held as its frame's JSON (a metrics sample
 * is about 250 bytes as rows, so an agent's batch weighs its rows; one padded with what decode
 * drops weighs its bytes).
 */
const TEXT_CHARS_PER_ROW = 256;

/**
 * What a write weighs against a flush's `rowsPerFlush` and the queue's `backlogRows`. A log line
 * weighs one, though SQLite stores it as a table row, an index entry and its search terms: part of
 * what lines cost is per transaction (COMMIT, the search index's new segment), which more lines a
 * flush share. Through the server (BENCHMARKS.md figure 3), log lines sustained 37,722/s with a
 * line weighing three, 56,496–56,939/s weighing one (flushes of 4,000 lines, about 80 ms of the
 * writer). A longer line weighs a row per TEXT_CHARS_PER_ROW characters begun, so that a flush or
 * the backlog of long lines holds no more text than one of short lines would; a batch `held` as its
 * frame's JSON weighs at least a row per TEXT_CHARS_PER_ROW bytes of it, for the same reason.
 */
function rowCount(write: ParsedWrite, held: TelemetryWrite): number {
  const rows = parsedRows(write);
  return held.kind === "batch-json"
    ? Math.max(rows, Math.ceil(held.json.byteLength / TEXT_CHARS_PER_ROW))
    : rows;
}

/** rowCount of a write as parsed. */
function parsedRows(write: ParsedWrite): number {
  if (write.kind === "inventory") return 1 + write.snapshot.containers.length;
  if (write.kind !== "batch") return 1;
  const m = write.message;
  if (m.type === "metrics") return 1 + m.samples.length * 2;
  if (m.type === "logs")
    return m.lines.reduce(
      (rows, line) => rows + Math.max(1, Math.ceil(line.text.length / TEXT_CHARS_PER_ROW)),
      1,
    );
  if (m.type === "events") return 1 + m.events.length;
  return 1;
}
