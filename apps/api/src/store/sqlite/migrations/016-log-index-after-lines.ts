import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 16: a log line's search index entry (`log_fts`) is no longer made by the insert
 * trigger but by the telemetry writer, once a write's lines are all in `log_lines` (one insert
 * into `log_fts` after another, SqliteTelemetryWriter). FTS5 writes the terms it holds in memory to
 * the index whenever a statement savepoint opens on it (its xSavepoint method flushes the
 * pending-terms table to disk: `fts5SavepointMethod` in SQLite's fts5_main.c), which an insert
 * trigger's insert did for every line: one small index segment a line, to be merged again. In a
 * run: the FTS5 table alone took 2.9 µs a line, the lines' table alone 4.7, both through the
 * trigger 21.7, both with the index entries after the lines 9.5. The writer's cost a line
 * (`bench/suites/storage-write.ts --logs`, BENCHMARKS.md figure 3): 32.3 µs wall before, 19.3
 * after (0.60; CPU 0.56). The host's stored bytes (`log_bytes`) stay with the triggers, and
 * deleting a line still takes its entry out in the delete trigger.
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
