import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 19: a log line's place in its container's time order is no longer an index of
 * `log_lines` updated line by line, but a table filled in bulk. A write's lines fall on as many
 * series as a fleet has chatty containers, and each line dirtied its own page of the
 * `log_lines_series (series, ts)` index, written to the WAL at COMMIT and again at the checkpoint:
 * taken out alone, the SQLite writer's cost a line fell from 39.0–48.4 µs to 19.0 flat (4,000
 * lines a write over 5,000 series, to 800,000 lines; BENCHMARKS.md figure 3, "Where a log line's
 * cost is").
 *
 * Now the insert trigger adds each line's key to `log_series_pending`, a table of the same keys
 * that holds only the lines since their series' last move (a few hundred pages a write touches,
 * not a page a line), and the telemetry writer moves the pending keys into `log_series_index` once
 * there are enough of them, a slice of the series at a time (SqliteTelemetryWriter, LOG_INDEX_BULK
 * and LOG_INDEX_SLICES): a page of the index then takes the lines
 * of many writes at once. The writer's cost a line fell to 0.54 of what it was (17.0 against 31.7
 * µs, `bench/suites/storage-write.ts --logs`, BENCHMARKS.md figure 3); where a write holds hundreds
 * of lines of each series (10 containers), the old index's pages took them at once and the move is
 * the extra: 1.08 × as long (figure 7b's build of 10 million lines). Every line is in exactly one
 * of the two; readers take both in key order (sqlite/logs.ts, retention, host deletion). The
 * delete trigger takes a line out of whichever holds it.
 */
export const logSeriesIndexInBulkMigration: Migration = {
  version: 19,
  name: "log-series-index-in-bulk",
  sql: `
CREATE TABLE log_series_index (
  series INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  id INTEGER NOT NULL,
  PRIMARY KEY (series, ts, id)
) STRICT, WITHOUT ROWID;
INSERT INTO log_series_index (series, ts, id) SELECT series, ts, id FROM log_lines ORDER BY series, ts, id;
DROP INDEX log_lines_series;
CREATE TABLE log_series_pending (
  series INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  id INTEGER NOT NULL,
  PRIMARY KEY (series, ts, id)
) STRICT, WITHOUT ROWID;

DROP TRIGGER log_lines_inserted;
CREATE TRIGGER log_lines_inserted AFTER INSERT ON log_lines BEGIN
  INSERT INTO log_series_pending (id, series, ts) VALUES (new.id, new.series, new.ts);
  UPDATE hosts SET log_bytes = log_bytes + length(CAST(new.text AS BLOB))
    WHERE id = (SELECT host_id FROM series WHERE id = new.series);
END;
DROP TRIGGER log_lines_deleted;
CREATE TRIGGER log_lines_deleted AFTER DELETE ON log_lines BEGIN
  INSERT INTO log_fts(log_fts, rowid, text) VALUES ('delete', old.id, crowsnest_search_text(old.text));
  DELETE FROM log_series_index WHERE series = old.series AND ts = old.ts AND id = old.id;
  DELETE FROM log_series_pending WHERE series = old.series AND ts = old.ts AND id = old.id;
  UPDATE hosts SET log_bytes = log_bytes - length(CAST(old.text AS BLOB))
    WHERE id = (SELECT host_id FROM series WHERE id = old.series);
END;
`,
};
