import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 24: an index of the rollup rows (`metric_rollups`) by minute. A series' rollup rows of
 * a finished hour become its rollup chunk with its raw hour (SqliteMetricPacker.packHoursDue);
 * rows with no minute chunk of their hour left to pack them (of a series that stopped in an
 * earlier version, which packed them with the series' next samples; every row of a file from
 * before migration 11; rows whose minute chunks raw retention took first) are found here, the
 * oldest first, and packed an hour at a time, a budget a write. The table holds each series' current
 * hour of rows and its last finished one until that is packed, so the index costs an entry per row
 * made and deleted. The packer and retention name it (`INDEXED BY`): a migration that rebuilds the
 * table must make it again, or the server fails as it prepares them.
 */
export const rollupRowsIndexMigration: Migration = {
  version: 24,
  name: "rollup-rows-index",
  sql: "CREATE INDEX metric_rollups_minute ON metric_rollups (minute);",
};
