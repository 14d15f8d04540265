import { findLogMatches, type LogSearch, type StoredLogLine, stripAnsi } from "@crowsnest/protocol";
import { nsToTs, tsToNs } from "./log-time.ts";
import { LOG_SCAN_LINES, type LogPage, type LogQuery } from "./store.ts";

/**
 * How both backends read a page of log lines: newest first from the query's cursor, each line
 * checked with `findLogMatches`; a prefix search that the newest lines do not answer asks the
 * backend's word index for candidates (FTS5 on SQLite, a tsvector on PostgreSQL). The steps and
 * limits are written here once, so that the contract tests hold on both; each backend runs the
 * reads that `logPageReads` asks for with its own SQL.
 */

/** Lines a prefix search reads, newest first, before it asks the index (about 10 ms on SQLite). */
const PROBE_LINES = 2_000;

/** A line's position as read: (ts in ns, id). */
export interface ReadPosition {
  ts: bigint;
  id: number;
}

/** A line of `log_lines` as a backend read it, in one form for both. */
export interface ReadLine extends ReadPosition {
  serverOffsetMs: number;
  stderr: boolean;
  text: string;
  truncated: boolean;
}

/** What one read of the lines found, and where it stopped if its line limit stopped it. */
export interface LogRead {
  rows: ReadLine[];
  stoppedAt: { row: ReadLine; scanned: number } | null;
}

/**
 * One read that a page needs, for the backend to run: the lines in the query's range (host's
 * series, time range, stream) strictly before `after` (all, when null), newest first.
 */
export interface LogReadStep<I> {
  after: ReadPosition | null;
  /** The backend's index query (see `logPageReads`) that the lines must match, or null: every line. */
  index: I | null;
  /** The read stops at `limit + 1` matching lines (one more says an older page exists)… */
  limit: number;
  /** …or once it has read `maxLines` lines. */
  maxLines: number;
}

/**
 * The reads of one page of `query`, each yielded for the backend to run (LogReadStep) and sent
 * back as its LogRead; returns the page. `index` is the backend's query of its word index for
 * `search`'s words when it is a prefix search and they have a token, else null.
 */
export function* logPageReads<I>(
  query: LogQuery,
  search: LogSearch | null,
  index: I | null,
): Generator<LogReadStep<I>, LogPage, LogRead> {
  const after = query.before === null ? null : { ts: tsToNs(query.before.ts), id: query.before.id };
  if (search === null || index === null) {
    const maxLines = query.scanLines ?? LOG_SCAN_LINES;
    return toPage(yield { after, index: null, limit: query.limit, maxLines }, query);
  }
  // A word on many lines is found sooner in the newest lines than by listing every line the
  // index holds for it; only if those few do not fill the page does the index answer the rest.
  const probe = yield { after, index: null, limit: query.limit, maxLines: PROBE_LINES };
  const last = probe.stoppedAt?.row;
  if (!last || probe.rows.length > query.limit) return toPage({ rows: probe.rows, stoppedAt: null }, query);
  const rest = yield {
    after: { ts: last.ts, id: last.id },
    index,
    limit: query.limit - probe.rows.length,
    maxLines: Number.POSITIVE_INFINITY,
  };
  return toPage({ rows: [...probe.rows, ...rest.rows], stoppedAt: null }, query);
}

/** One read (a LogReadStep) as the backend hands it the lines it reads, newest first. */
export class LineScan {
  readonly #search: LogSearch | null;
  readonly #limit: number;
  readonly #maxLines: number;
  readonly #rows: ReadLine[] = [];
  #scanned = 0;

  constructor(search: LogSearch | null, step: LogReadStep<unknown>) {
    this.#search = search;
    this.#limit = step.limit;
    this.#maxLines = step.maxLines;
  }

  /** The lines the read may still read. */
  get unread(): number {
    return this.#maxLines - this.#scanned;
  }

  /** Takes the next line read; returns the read once it needs no further line, else null. */
  take(line: ReadLine): LogRead | null {
    this.#scanned++;
    const matches = this.#search === null || findLogMatches(stripAnsi(line.text), this.#search) !== null;
    if (matches && this.#rows.push(line) > this.#limit) return { rows: this.#rows, stoppedAt: null };
    if (this.#scanned >= this.#maxLines) {
      return { rows: this.#rows, stoppedAt: { row: line, scanned: this.#scanned } };
    }
    return null;
  }

  /** The read when the lines in range ran out first. */
  end(): LogRead {
    return { rows: this.#rows, stoppedAt: null };
  }
}

function toPage({ rows, stoppedAt }: LogRead, query: LogQuery): LogPage {
  const page = rows.slice(0, query.limit);
  const oldest = rows.length > query.limit ? page.at(-1) : stoppedAt?.row;
  return {
    lines: page.reverse().map((row) => toStoredLine(row, query.containerId)),
    next: oldest ? { ts: nsToTs(oldest.ts), id: oldest.id } : null,
    scanned: rows.length > query.limit ? null : (stoppedAt?.scanned ?? null),
  };
}

function toStoredLine(line: ReadLine, containerId: string): StoredLogLine {
  return {
    id: String(line.id),
    containerId,
    ts: nsToTs(line.ts),
    serverTs: nsToTs(line.ts + BigInt(line.serverOffsetMs) * 1_000_000n),
    stream: line.stderr ? "stderr" : "stdout",
    text: line.text,
    truncated: line.truncated,
  };
}
