import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { LogStream, StoredLogLine } from "@crowsnest/protocol";
import type { LogPage, LogQuery, LogRepository } from "../store.ts";

interface LogRow {
  id: number;
  container_id: string;
  ts: string;
  server_ts: string;
  stream: LogStream;
  text: string;
  truncated: number;
}

export class SqliteLogRepository implements LogRepository {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async query(query: LogQuery): Promise<LogPage> {
    const where = ["l.host_id = ?", "l.container_id = ?", "l.ts >= ?", "l.ts <= ?"];
    const params: SQLInputValue[] = [query.hostId, query.containerId, query.from, query.to];
    if (query.stream !== null) {
      where.push("l.stream = ?");
      params.push(query.stream);
    }
    if (query.before !== null) {
      where.push("(l.ts < ? OR (l.ts = ? AND l.id < ?))");
      params.push(query.before.ts, query.before.ts, query.before.id);
    }
    if (query.words !== null && query.words.length > 0) {
      where.push("l.id IN (SELECT rowid FROM log_fts WHERE log_fts MATCH ?)");
      params.push(ftsExpression(query.words));
    }
    // One row more than asked says whether an older page exists.
    params.push(query.limit + 1);
    const rows = this.#db
      .prepare(
        `SELECT l.id, l.container_id, l.ts, coalesce(l.server_ts, l.ts) AS server_ts, l.stream, l.text, l.truncated FROM log_lines l
         WHERE ${where.join(" AND ")} ORDER BY l.ts DESC, l.id DESC LIMIT ?`,
      )
      .all(...params) as unknown as LogRow[];
    const page = rows.slice(0, query.limit);
    const oldest = page.at(-1);
    return {
      lines: page.reverse().map(toLine),
      next: rows.length > query.limit && oldest ? { ts: oldest.ts, id: oldest.id } : null,
    };
  }
}

/** Each word becomes a quoted FTS5 string, so user input is never read as query syntax; all must match. */
function ftsExpression(words: readonly string[]): string {
  return words.map((word) => `"${word.replaceAll('"', '""')}"`).join(" ");
}

function toLine(row: LogRow): StoredLogLine {
  return {
    id: String(row.id),
    containerId: row.container_id,
    ts: row.ts,
    serverTs: row.server_ts,
    stream: row.stream,
    text: row.text,
    truncated: row.truncated === 1,
  };
}
