import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 24: an index of the rollup rows (`metric_rollups`) by minute. A series' rollup rows of
 * a finished hour become its rollup chunk with its raw hour (SqliteMetricPacker.packHoursDue);
 * rows with no minute chunk of their hour left to pack them (of a series that stopped in an
 * earlier version, which packed them with the series' next samples, or every row of a file from
 * before migration 11) are found here, the oldest first, and packed a budget a write. The table
 * holds about the last hour of rows of each series, so the index costs an entry per row made and
 * deleted.
 */
export const rollupRowsIndexMigration: Migration = {
  version: 24,
  name: "rollup-rows-index",
  sql: "CREATE INDEX metric_rollups_minute ON metric_rollups (minute);",
};
