import {
  compileLogSearch,
  findLogMatches,
  type LogSearch,
  type StoredLogLine,
  stripAnsi,
} from "@crowsnest/protocol";
import type pg from "pg";
import { nsToTs, tsToNs } from "../log-time.ts";
import { LOG_SCAN_LINES, type LogPage, type LogQuery, type LogRepository } from "../store.ts";
import { prefixQuery } from "./log-words.ts";
import type { SeriesIds } from "./series.ts";

interface LogRow {
  id: number;
  /** Nanoseconds, selected as text (they pass 2^53). */
  ts: string;
  server_offset_ms: number;
  stream: number;
  text: string;
  truncated: boolean;
}

/** A line's position as read: (ts in ns, id). */
interface Position {
  ts: bigint;
  id: number;
}

/** Lines a prefix search reads, newest first, before it asks the index (as on SQLite). */
const PROBE_LINES = 2_000;

/** Lines fetched per round trip while reading newest first. */
const CHUNK_LINES = 1_000;

/**
 * Log lines keyed by series, `ts` in integer nanoseconds, `stream` 0/1 (as on SQLite). Reads walk
 * the (series, ts, id) index newest first in chunks, each line checked with `findLogMatches`; a
 * prefix search that the newest lines do not answer asks the `words` index (see log-words.ts) for
 * candidates. The same steps and limits as SQLite's, so that the contract tests hold on both.
 */
export class PgLogRepository implements LogRepository {
  readonly #pool: pg.Pool;
  readonly #series: SeriesIds;

  constructor(pool: pg.Pool, series: SeriesIds) {
    this.#pool = pool;
    this.#series = series;
  }

  async query(query: LogQuery): Promise<LogPage> {
    const series = await this.#series.find(this.#pool, query.hostId, query.containerId);
    if (series === null) return { lines: [], next: null, scanned: null };
    const where = ["series = $1", "ts >= $2", "ts <= $3"];
    const params: unknown[] = [series, tsToNs(query.from).toString(), tsToNs(query.to).toString()];
    if (query.stream !== null) {
      params.push(query.stream === "stderr" ? 1 : 0);
      where.push(`stream = $${params.length}`);
    }
    const start: Position | null =
      query.before === null ? null : { ts: tsToNs(query.before.ts), id: query.before.id };
    const search = compileLogSearch(query.words ?? [], query.match, query.caseSensitive);
    const indexed = search?.match === "prefix" ? prefixQuery(search.words) : null;
    let read: Read;
    if (search !== null && indexed !== null) {
      // A word on many lines is found sooner in the newest lines than by listing every line the
      // index holds for it; only if those few do not fill the page does the index answer the rest.
      read = await this.#read(where, params, start, search, query.limit, PROBE_LINES);
      const last = read.stoppedAt?.row;
      if (last && read.rows.length <= query.limit) {
        params.push(indexed);
        const rest = await this.#read(
          [...where, `words @@ $${params.length}::tsquery`],
          params,
          position(last),
          search,
          query.limit - read.rows.length,
          Number.POSITIVE_INFINITY,
        );
        read = { rows: [...read.rows, ...rest.rows], stoppedAt: null };
      } else read = { rows: read.rows, stoppedAt: null };
    } else {
      read = await this.#read(where, params, start, search, query.limit, query.scanLines ?? LOG_SCAN_LINES);
    }
    const { rows, stoppedAt } = read;
    const page = rows.slice(0, query.limit);
    const oldest = rows.length > query.limit ? page.at(-1) : stoppedAt?.row;
    return {
      lines: page.reverse().map((row) => toLine(row, query.containerId)),
      next: oldest ? { ts: nsToTs(BigInt(oldest.ts)), id: oldest.id } : null,
      scanned: rows.length > query.limit ? null : (stoppedAt?.scanned ?? null),
    };
  }

  /**
   * The lines strictly before `start` (all, when null) that match `search` (all, when null), newest
   * first: at most `limit + 1` (one more says an older page exists), reading at most `maxLines`
   * lines; `stoppedAt` is the last line read when that limit stopped it.
   */
  async #read(
    where: readonly string[],
    params: readonly unknown[],
    start: Position | null,
    search: LogSearch | null,
    limit: number,
    maxLines: number,
  ): Promise<Read> {
    const rows: LogRow[] = [];
    let scanned = 0;
    let after = start;
    for (;;) {
      const chunk = Math.min(CHUNK_LINES, maxLines - scanned);
      const chunkParams = [...params];
      const clauses = [...where];
      if (after !== null) {
        chunkParams.push(after.ts.toString(), after.id);
        clauses.push(`(ts, id) < ($${chunkParams.length - 1}::bigint, $${chunkParams.length}::bigint)`);
      }
      chunkParams.push(chunk);
      const { rows: lines } = await this.#pool.query<LogRow>(
        `SELECT id, ts::text AS ts, server_offset_ms, stream, text, truncated FROM log_lines
         WHERE ${clauses.join(" AND ")} ORDER BY ts DESC, id DESC LIMIT $${chunkParams.length}`,
        chunkParams,
      );
      for (const row of lines) {
        scanned++;
        if (
          (search === null || findLogMatches(stripAnsi(row.text), search) !== null) &&
          rows.push(row) > limit
        ) {
          return { rows, stoppedAt: null };
        }
        if (scanned >= maxLines) return { rows, stoppedAt: { row, scanned } };
      }
      const last = lines.at(-1);
      if (lines.length < chunk || last === undefined) return { rows, stoppedAt: null };
      after = position(last);
    }
  }
}

/** What one read of the lines found, and where it stopped if its line limit stopped it. */
interface Read {
  rows: LogRow[];
  stoppedAt: { row: LogRow; scanned: number } | null;
}

function position(row: LogRow): Position {
  return { ts: BigInt(row.ts), id: row.id };
}

function toLine(row: LogRow, containerId: string): StoredLogLine {
  const ts = BigInt(row.ts);
  return {
    id: String(row.id),
    containerId,
    ts: nsToTs(ts),
    serverTs: nsToTs(ts + BigInt(row.server_offset_ms) * 1_000_000n),
    stream: row.stream === 1 ? "stderr" : "stdout",
    text: row.text,
    truncated: row.truncated,
  };
}
