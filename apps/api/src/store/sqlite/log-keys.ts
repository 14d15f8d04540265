/**
 * The two tables that hold a log line's key (series, ts, id) in its series' time order (migration
 * 19): the series index, filled in bulk, and the keys of the lines not moved into it yet. Every
 * line of `log_lines` is in exactly one of them, so a read by series takes both.
 */
const LOG_KEY_TABLES = ["log_series_index", "log_series_pending"] as const;

/**
 * SQL that selects the ids of the lines whose keys satisfy `where` (on the columns series, ts, id;
 * its parameters appear once per table, so name or number them: `?1`, `$host`). `log_lines` has no
 * index by series of its own.
 */
export function lineIdsWhere(where: string): string {
  return LOG_KEY_TABLES.map((table) => `SELECT id FROM ${table} WHERE ${where}`).join(" UNION ALL ");
}
