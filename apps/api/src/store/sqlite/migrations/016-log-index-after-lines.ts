import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 16: a log line's search index entry (`log_fts`) is no longer made by the insert
 * trigger but by the telemetry writer, once a write's lines are all in `log_lines` (one insert
 * into `log_fts` after another, SqliteTelemetryWriter). FTS5 writes the terms it holds in memory to
 * the index whenever a statement on another table comes between two of its inserts (its
 * xSavepoint method syncs them: `fts5SavepointMethod` in SQLite's fts5_main.c), so a trigger made
 * one index segment per line, to be merged again; batched, a write's lines share one. The bench
 * that found it (BENCHMARKS.md figure 3): 21.7 µs of the writer a line through the trigger, 9.5
 * batched. The host's stored bytes (`log_bytes`) stay with the triggers, and deleting a line
 * still takes its entry out in the delete trigger.
 */
export const logIndexAfterLinesMigration: Migration = {
  version: 16,
  name: "log-index-after-lines",
  sql: `
DROP TRIGGER log_lines_inserted;
CREATE TRIGGER log_lines_inserted AFTER INSERT ON log_lines BEGIN
  UPDATE hosts SET log_bytes = log_bytes + length(CAST(new.text AS BLOB))
    WHERE id = (SELECT host_id FROM series WHERE id = new.series);
END;
`,
};
