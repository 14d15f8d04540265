import { compileLogSearch, type LogSearch } from "@crowsnest/protocol";
import type pg from "pg";
import { LineScan, type LogRead, type LogReadStep, logPageReads, type ReadLine } from "../log-reads.ts";
import { tsToNs } from "../log-time.ts";
import type { LogPage, LogQuery, LogRepository } from "../store.ts";
import { prefixQuery } from "./log-words.ts";
import type { SeriesIds } from "./series.ts";

interface LogRow {
  id: number;
  /** `ts` in nanoseconds, selected as text (they pass 2^53). */
  ts_text: string;
  server_offset_ms: number;
  stream: number;
  text: string;
  truncated: boolean;
}

/** Lines fetched per round trip while reading newest first. */
const CHUNK_LINES = 1_000;

/**
 * Log lines keyed by series, `ts` in integer nanoseconds, `stream` 0/1 (as on SQLite). Reads walk
 * the (series, ts, id) index newest first in chunks, by the steps of log-reads.ts; the word index
 * of a prefix search is the `words` column (see log-words.ts).
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
    const search = compileLogSearch(query.words ?? [], query.match, query.caseSensitive);
    const reads = logPageReads(query, search, search?.match === "prefix" ? prefixQuery(search.words) : null);
    let step = reads.next();
    while (!step.done) step = reads.next(await this.#read(where, params, search, step.value));
    return step.value;
  }

  /** Runs one read of a page (see LogReadStep) over the lines that `where` selects. */
  async #read(
    where: readonly string[],
    params: readonly unknown[],
    search: LogSearch | null,
    step: LogReadStep<string>,
  ): Promise<LogRead> {
    const clauses = [...where];
    const stepParams = [...params];
    if (step.index !== null) {
      stepParams.push(step.index);
      clauses.push(`words @@ $${stepParams.length}::tsquery`);
    }
    const scan = new LineScan(search, step);
    let after = step.after;
    for (;;) {
      const chunk = Math.min(CHUNK_LINES, scan.unread);
      const chunkParams = [...stepParams];
      const chunkClauses = [...clauses];
      if (after !== null) {
        chunkParams.push(after.ts.toString(), after.id);
        chunkClauses.push(`(ts, id) < ($${chunkParams.length - 1}::bigint, $${chunkParams.length}::bigint)`);
      }
      chunkParams.push(chunk);
      // Not aliased `ts`: ORDER BY takes a bare name for the output column first and would sort the
      // text ("1249000000" after "10000000000"), out of step with the numeric (ts, id) cursor (lines
      // read twice, a page repeating them) and sorting the whole range instead of reading the index.
      const { rows } = await this.#pool.query<LogRow>(
        `SELECT id, ts::text AS ts_text, server_offset_ms, stream, text, truncated FROM log_lines
         WHERE ${chunkClauses.join(" AND ")} ORDER BY ts DESC, id DESC LIMIT $${chunkParams.length}`,
        chunkParams,
      );
      const lines = rows.map(toReadLine);
      for (const line of lines) {
        const read = scan.take(line);
        if (read !== null) return read;
      }
      const last = lines.at(-1);
      if (lines.length < chunk || last === undefined) return scan.end();
      after = last;
    }
  }
}

function toReadLine(row: LogRow): ReadLine {
  return {
    id: row.id,
    ts: BigInt(row.ts_text),
    serverOffsetMs: row.server_offset_ms,
    stderr: row.stream === 1,
    text: row.text,
    truncated: row.truncated,
  };
}
