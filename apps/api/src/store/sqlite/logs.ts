import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { StoredLogLine } from "@crowsnest/protocol";
import { nsToTs, tsToNs } from "../log-time.ts";
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
    if (series === null) return { lines: [], next: null };
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
    if (query.words !== null && query.words.length > 0) {
      const search = searchOf(query.words);
      where.push("l.id IN (SELECT rowid FROM log_fts WHERE log_fts MATCH ?)");
      params.push(search.match);
      for (const word of search.joined) {
        where.push("instr(lower(crowsnest_search_text(l.text)), ?) > 0");
        params.push(word);
      }
    }
    // One row more than asked says whether an older page exists.
    params.push(query.limit + 1);
    const statement = this.#db.prepare(
      `SELECT l.id, l.ts, l.server_offset_ms, l.stream, l.text, l.truncated FROM log_lines l
       WHERE ${where.join(" AND ")} ORDER BY l.ts DESC, l.id DESC LIMIT ?`,
    );
    statement.setReadBigInts(true);
    const rows = statement.all(...params) as unknown as LogRow[];
    const page = rows.slice(0, query.limit);
    const oldest = page.at(-1);
    return {
      lines: page.reverse().map((row) => toLine(row, query.containerId)),
      next: rows.length > query.limit && oldest ? { ts: nsToTs(oldest.ts), id: Number(oldest.id) } : null,
    };
  }
}

/**
 * The FTS5 query for words that must all appear, each whole and case-insensitive. The index keeps
 * no positions (`detail=none`, migration 9), so a word the tokenizer splits (`items/5`) matches its
 * tokens anywhere in the line, and `joined` lists such words (lower-cased) for the caller to
 * require as they are written. Each token is quoted, so input is never read as query syntax.
 */
function searchOf(words: readonly string[]): { match: string; joined: string[] } {
  const tokens: string[] = [];
  const joined: string[] = [];
  for (const word of words) {
    const parts = word.split(/[^\p{L}\p{N}\p{Co}]+/u).filter((part) => part !== "");
    if (parts.length > 1) joined.push(word.toLowerCase());
    tokens.push(...(parts.length > 0 ? parts : [word]));
  }
  return { match: tokens.map((token) => `"${token.replaceAll('"', '""')}"`).join(" "), joined };
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
