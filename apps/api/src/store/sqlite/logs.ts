import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import {
  compileLogSearch,
  findLogMatches,
  type LogSearch,
  type StoredLogLine,
  stripAnsi,
} from "@crowsnest/protocol";
import { nsToTs, tsToNs } from "../log-time.ts";
import { LOG_SCAN_LINES, type LogPage, type LogQuery, type LogRepository } from "../store.ts";
import type { SeriesIds } from "./series.ts";

interface LogRow {
  id: bigint;
  ts: bigint;
  server_offset_ms: bigint;
  stream: bigint;
  text: string;
  truncated: bigint;
}

/** Log lines as migration 9 stores them: keyed by series, `ts` in integer nanoseconds, `stream` 0/1. */
export class SqliteLogRepository implements LogRepository {
  readonly #db: DatabaseSync;
  readonly #series: SeriesIds;

  constructor(db: DatabaseSync, series: SeriesIds) {
    this.#db = db;
    this.#series = series;
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
    if (query.before !== null) {
      const before = tsToNs(query.before.ts);
      where.push("(l.ts < ? OR (l.ts = ? AND l.id < ?))");
      params.push(before, before, query.before.id);
    }
    const search = compileLogSearch(query.words ?? [], query.match, query.caseSensitive);
    const match = search?.match === "prefix" ? prefixMatch(search.words) : null;
    let read: Read;
    if (search !== null && match !== null) {
      // A word on many lines is found sooner in the newest lines than by listing every line the
      // index holds for it; only if those few do not fill the page does the index answer the rest.
      read = this.#read(where, params, search, query.limit, PROBE_LINES);
      const last = read.stoppedAt?.row;
      if (last && read.rows.length <= query.limit) {
        const rest = this.#read(
          [
            ...where,
            "(l.ts < ? OR (l.ts = ? AND l.id < ?))",
            "l.id IN (SELECT rowid FROM log_fts WHERE log_fts MATCH ?)",
          ],
          [...params, last.ts, last.ts, last.id, match],
          search,
          query.limit - read.rows.length,
          Number.POSITIVE_INFINITY,
        );
        read = { rows: [...read.rows, ...rest.rows], stoppedAt: null };
      } else read = { rows: read.rows, stoppedAt: null };
    } else read = this.#read(where, params, search, query.limit, query.scanLines ?? LOG_SCAN_LINES);
    const { rows, stoppedAt } = read;
    const page = rows.slice(0, query.limit);
    const oldest = rows.length > query.limit ? page.at(-1) : stoppedAt?.row;
    return {
      lines: page.reverse().map((row) => toLine(row, query.containerId)),
      next: oldest ? { ts: nsToTs(oldest.ts), id: Number(oldest.id) } : null,
      scanned: rows.length > query.limit ? null : (stoppedAt?.scanned ?? null),
    };
  }

  /**
   * The lines that match `search` (all, when null), newest first: at most `limit + 1` (one more
   * says an older page exists), reading at most `maxLines` lines; `stoppedAt` is the last line
   * read when that limit stopped it.
   */
  #read(
    where: string[],
    params: SQLInputValue[],
    search: LogSearch | null,
    limit: number,
    maxLines: number,
  ): Read {
    const statement = this.#db.prepare(
      `SELECT l.id, l.ts, l.server_offset_ms, l.stream, l.text, l.truncated FROM log_lines l
       WHERE ${where.join(" AND ")} ORDER BY l.ts DESC, l.id DESC`,
    );
    statement.setReadBigInts(true);
    const rows: LogRow[] = [];
    let scanned = 0;
    for (const row of statement.iterate(...params) as Iterable<LogRow>) {
      scanned++;
      if ((search === null || findLogMatches(stripAnsi(row.text), search) !== null) && rows.push(row) > limit)
        break;
      if (scanned >= maxLines) return { rows, stoppedAt: { row, scanned } };
    }
    return { rows, stoppedAt: null };
  }
}

/** What one read of the lines found, and where it stopped if its line limit stopped it. */
interface Read {
  rows: LogRow[];
  stoppedAt: { row: LogRow; scanned: number } | null;
}

/** Lines a prefix search reads, newest first, before it asks the index (about 10 ms on this machine). */
const PROBE_LINES = 2_000;

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

function toLine(row: LogRow, containerId: string): StoredLogLine {
  const ts = nsToTs(row.ts);
  return {
    id: String(row.id),
    containerId,
    ts,
    serverTs: nsToTs(row.ts + BigInt(row.server_offset_ms) * 1_000_000n),
    stream: row.stream === 1n ? "stderr" : "stdout",
    text: row.text,
    truncated: row.truncated === 1n,
  };
}
