import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { compileLogSearch, type LogSearch } from "@crowsnest/protocol";
import { LineScan, type LogRead, type LogReadStep, logPageReads, type ReadLine } from "../log-reads.ts";
import { tsToNs } from "../log-time.ts";
import type { LogPage, LogQuery, LogRepository } from "../store.ts";
import type { SeriesIds } from "./series.ts";

interface LogRow {
  id: bigint;
  ts: bigint;
  server_offset_ms: bigint;
  stream: bigint;
  text: string;
  truncated: bigint;
}

/**
 * Log lines as migration 9 stores them: keyed by series, `ts` in integer nanoseconds, `stream` 0/1.
 * Read by the steps of log-reads.ts; the word index of a prefix search is `log_fts` (FTS5).
 */
export class SqliteLogRepository implements LogRepository {
  readonly #db: DatabaseSync;
  readonly #series: SeriesIds;
  readonly #fewMatches;

  constructor(db: DatabaseSync, series: SeriesIds) {
    this.#db = db;
    this.#series = series;
    this.#fewMatches = db.prepare("SELECT rowid FROM log_fts WHERE log_fts MATCH ? LIMIT ?");
  }

  async query(query: LogQuery): Promise<LogPage> {
    const series = this.#series.find(query.hostId, query.containerId);
    if (series === null) return { lines: [], next: null, scanned: null };
    const where = ["l.series = ?", "l.ts >= ?", "l.ts <= ?"];
    const params: SQLInputValue[] = [series, tsToNs(query.from), tsToNs(query.to)];
    if (query.stream !== null) {
      where.push("l.stream = ?");
      params.push(query.stream === "stderr" ? 1 : 0);
    }
    const search = compileLogSearch(query.words ?? [], query.match, query.caseSensitive);
    const reads = logPageReads(query, search, search?.match === "prefix" ? prefixMatch(search.words) : null);
    let step = reads.next();
    while (!step.done) step = reads.next(this.#read(where, params, search, step.value));
    return step.value;
  }

  /** Runs one read of a page (see LogReadStep) over the lines that `where` selects. */
  #read(
    where: readonly string[],
    params: readonly SQLInputValue[],
    search: LogSearch | null,
    step: LogReadStep<string>,
  ): LogRead {
    const clauses = [...where];
    const stepParams = [...params];
    if (step.after !== null) {
      clauses.push("(l.ts < ? OR (l.ts = ? AND l.id < ?))");
      stepParams.push(step.after.ts, step.after.ts, step.after.id);
    }
    let from = "log_lines l";
    if (step.index !== null) {
      // A word on few lines of the whole store: its lines are looked up by id, rather than the
      // container's range read to the end for want of matches (at 10 million lines an absent word
      // took 270 ms that way, figure 7b). Else the range is read newest first, which stops early.
      const few = this.#fewMatches.all(step.index, FEW_MATCHES + 1) as { rowid: number }[];
      if (few.length <= FEW_MATCHES) {
        from = "json_each(?) AS j CROSS JOIN log_lines l ON l.id = j.value"; // CROSS JOIN: j outer
        stepParams.unshift(JSON.stringify(few.map((row) => row.rowid)));
      } else {
        clauses.push("l.id IN (SELECT rowid FROM log_fts WHERE log_fts MATCH ?)");
        stepParams.push(step.index);
      }
    }
    const statement = this.#db.prepare(
      `SELECT l.id, l.ts, l.server_offset_ms, l.stream, l.text, l.truncated FROM ${from}
       WHERE ${clauses.join(" AND ")} ORDER BY l.ts DESC, l.id DESC`,
    );
    statement.setReadBigInts(true);
    const scan = new LineScan(search, step);
    for (const row of statement.iterate(...stepParams) as Iterable<LogRow>) {
      const read = scan.take(toReadLine(row));
      if (read !== null) return read;
    }
    return scan.end();
  }
}

/**
 * Up to this many lines holding a searched word in the whole store are read by id (tens of ms at
 * most); a word on more is searched by reading the container's range newest first.
 */
const FEW_MATCHES = 20_000;

/** Runs of what the index's `unicode61` tokenizer keeps as a token's characters. */
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;

/**
 * The FTS5 query for a prefix search: every token of every word as a prefix (the index keeps
 * 3-character prefixes, migration 9). It finds a superset of the lines (no positions are kept,
 * `detail=none`), which the caller narrows with `findLogMatches`.
 * Each token is quoted, so input is never read as query syntax. Null when no word has a token.
 */
function prefixMatch(words: readonly string[]): string | null {
  const tokens = words.flatMap((word) => Array.from(word.matchAll(TOKEN), (m) => m[0]));
  return tokens.length > 0 ? tokens.map((token) => `"${token}"*`).join(" ") : null;
}

function toReadLine(row: LogRow): ReadLine {
  return {
    id: Number(row.id),
    ts: row.ts,
    serverOffsetMs: Number(row.server_offset_ms),
    stderr: row.stream === 1n,
    text: row.text,
    truncated: row.truncated === 1n,
  };
}
