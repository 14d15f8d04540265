import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { compileLogSearch, LOG_WORD, type LogSearch } from "@crowsnest/protocol";
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
 * Log lines as migration 9 stores them: keyed by series, `ts` in integer nanoseconds, `stream` 0/1,
 * found in a series' time order by the two tables of migration 19. Read by the steps of
 * log-reads.ts; the word index of a prefix search is `log_fts` (FTS5).
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
    const range: LineRange = {
      series,
      from: tsToNs(query.from),
      to: tsToNs(query.to),
      stream: query.stream === null ? null : query.stream === "stderr" ? 1 : 0,
    };
    const search = compileLogSearch(query.words ?? [], query.match, query.caseSensitive);
    const reads = logPageReads(query, search, search?.match === "prefix" ? prefixMatch(search.words) : null);
    let step = reads.next();
    while (!step.done) step = reads.next(this.#read(range, search, step.value));
    return step.value;
  }

  /** Runs one read of a page (see LogReadStep) over the lines of `range`, newest first. */
  #read(range: LineRange, search: LogSearch | null, step: LogReadStep<string>): LogRead {
    let sql: string;
    let params: SQLInputValue[];
    const few = step.index === null ? null : this.#fewMatches.all(step.index, FEW_MATCHES + 1);
    const stream = streamFilter(range);
    if (few !== null && few.length <= FEW_MATCHES) {
      // A word on few lines of the whole store: its lines are looked up by id, rather than the
      // container's range read to the end for want of matches (at 10 million lines an absent word
      // took 270 ms that way, figure 7b). CROSS JOIN: the ids are the outer loop.
      const keys = keyFilter("l", range, step, null);
      sql = `SELECT ${columns("l")} FROM json_each(?) AS j CROSS JOIN log_lines l ON l.id = j.value
             WHERE ${keys.sql}${stream.sql} ORDER BY l.ts DESC, l.id DESC`;
      params = [
        JSON.stringify(few.map((row) => (row as { rowid: number }).rowid)),
        ...keys.params,
        ...stream.params,
      ];
    } else {
      // The range newest first, which stops early: the keys of the series index and the pending
      // ones (migration 19), both in their tables' order, merged; then their lines (CROSS JOIN: the
      // keys are the outer loop; LIMIT -1 keeps them a subquery, the merge one of keys alone; UNION:
      // a key in both, as a file repaired by hand may hold until its slice moves, is read once). The
      // pending keys are not looked up in the word index, whose listing of a common word's matches
      // (26–31 ms at 320,000 lines, bounded by rowid or not) would be paid twice: the scan checks
      // their lines itself. A search of 320,000 lines for a common word took 92–109 ms with 3,000
      // of the container's lines pending, as before migration 19, and 139–157 with 30,000.
      const indexed = keyFilter("k", range, step, step.index);
      const pending = keyFilter("p", range, step, null);
      sql = `SELECT ${columns("k")} FROM (
               SELECT k.id, k.ts FROM log_series_index k WHERE ${indexed.sql}
               UNION
               SELECT p.id, p.ts FROM log_series_pending p WHERE ${pending.sql}
               ORDER BY ts DESC, id DESC LIMIT -1
             ) k CROSS JOIN log_lines l ON l.id = k.id
             WHERE true${stream.sql} ORDER BY k.ts DESC, k.id DESC`;
      params = [...indexed.params, ...pending.params, ...stream.params];
    }
    const statement = this.#db.prepare(sql);
    statement.setReadBigInts(true);
    const scan = new LineScan(search, step);
    for (const row of statement.iterate(...params) as Iterable<LogRow>) {
      const read = scan.take(toReadLine(row));
      if (read !== null) return read;
    }
    return scan.end();
  }
}

/** The lines a query reads: a series' `ts` from..to (integer ns, both included), one stream (0 stdout, 1 stderr) or both. */
interface LineRange {
  series: number;
  from: bigint;
  to: bigint;
  stream: 0 | 1 | null;
}

/**
 * The columns read of a line, named as LogRow's: `l` is `log_lines`, `key` the table whose key
 * columns (id, ts) order the read.
 */
function columns(key: string): string {
  return `${key}.id AS id, ${key}.ts AS ts, l.server_offset_ms, l.stream, l.text, l.truncated`;
}

/**
 * The conditions of one read on the key columns (series, ts, id) of the table aliased `key`
 * (`log_lines` itself or a table of its series index): the range, the lines after `step.after`,
 * and those the word index query `match` finds.
 */
function keyFilter(
  key: string,
  range: LineRange,
  step: LogReadStep<string>,
  match: string | null,
): { sql: string; params: SQLInputValue[] } {
  const clauses = [`${key}.series = ?`, `${key}.ts >= ?`, `${key}.ts <= ?`];
  const params: SQLInputValue[] = [range.series, range.from, range.to];
  if (step.after !== null) {
    clauses.push(`(${key}.ts < ? OR (${key}.ts = ? AND ${key}.id < ?))`);
    params.push(step.after.ts, step.after.ts, step.after.id);
  }
  if (match !== null) {
    clauses.push(`${key}.id IN (SELECT rowid FROM log_fts WHERE log_fts MATCH ?)`);
    params.push(match);
  }
  return { sql: clauses.join(" AND "), params };
}

/** The condition on the stream of `log_lines` `l`, to follow a WHERE clause (" AND …"), or nothing. */
function streamFilter(range: LineRange): { sql: string; params: SQLInputValue[] } {
  return range.stream === null
    ? { sql: "", params: [] }
    : { sql: " AND l.stream = ?", params: [range.stream] };
}

/**
 * Up to this many lines holding a searched word in the whole store are read by id (tens of ms at
 * most); a word on more is searched by reading the container's range newest first.
 */
const FEW_MATCHES = 20_000;

/**
 * The FTS5 query for a prefix search: every token of every word as a prefix, which FTS5 answers from
 * the terms that begin with it (no prefix index, migration 22). It finds a superset of the lines (no
 * positions are kept, `detail=none`), which the caller narrows with `findLogMatches`.
 * Each token is quoted, so input is never read as query syntax. Null when no word has a token.
 */
function prefixMatch(words: readonly string[]): string | null {
  const tokens = words.flatMap((word) => Array.from(word.matchAll(LOG_WORD), (m) => m[0]));
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
