import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 21: a host's stored log bytes (`hosts.log_bytes`) grow once per write of its lines, by
 * the telemetry writer (SqliteTelemetryWriter), no longer in the insert trigger line by line. The
 * trigger looked the line's host up in `series` and rewrote the host's row, JSON `info` included,
 * for every line, on the thread that limits the server's rate of lines (the writer thread was 80 %
 * busy at 50,000 lines/s in a profile of BENCHMARKS.md figure 3's ingest). Without it the writer took
 * 0.93 of the CPU time a line in one run (`bench/suites/storage-write.ts --logs`; an earlier session's
 * three runs gave 0.86-1.10 of the wall time), the same rule as PostgreSQL's. The delete trigger still
 * takes a deleted line's bytes off, since retention deletes by time across hosts.
 */
export const logBytesPerWriteMigration: Migration = {
  version: 21,
  name: "log-bytes-per-write",
  sql: `
DROP TRIGGER log_lines_inserted;
CREATE TRIGGER log_lines_inserted AFTER INSERT ON log_lines BEGIN
  INSERT INTO log_series_pending (id, series, ts) VALUES (new.id, new.series, new.ts);
END;
`,
};
