import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 5 of the PostgreSQL store: one-minute rollups in hour chunks, as the SQLite store keeps
 * them (its migration 11): PgMetricPacker moves a series' `metric_rollups` rows of a finished hour
 * into one row here, `hour` its start (epoch ms), `n` the minutes in `data` (latest-rollups.ts:
 * Rice-coded columns, each minute's latest sample time among them). A rollup row of 15 columns
 * costs about 100 bytes a minute; a packed minute a few tens. Day partitions by `hour`.
 */
export const rollupChunksMigration: Migration = {
  version: 5,
  name: "rollup-chunks",
  sql: `
CREATE TABLE metric_rollup_chunks (
  hour bigint NOT NULL,
  series integer NOT NULL,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (series, hour)
) PARTITION BY RANGE (hour);
`,
};
