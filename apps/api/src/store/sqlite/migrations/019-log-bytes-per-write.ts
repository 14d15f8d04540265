import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 19: a host's stored log bytes (`hosts.log_bytes`, what the log cap weighs) are added
 * by the telemetry writer once per host and write (SqliteTelemetryWriter), no longer by an insert
 * trigger line by line: that trigger ran a lookup of the line's series and an update of its host
 * row for every line, and dropping it made the writer's cost a line 0.86 of what it was in wall
 * time and 0.82 in CPU (`bench/suites/storage-write.ts --logs`, BENCHMARKS.md figure 3). The
 * delete trigger still subtracts a deleted line's bytes. The PostgreSQL store counts them per
 * write likewise.
 */
export const logBytesPerWriteMigration: Migration = {
  version: 19,
  name: "log-bytes-per-write",
  sql: "DROP TRIGGER log_lines_inserted;",
};
