import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 3 of the PostgreSQL store: a rollup row keeps the time of the latest sample it counts,
 * `latest_t` (epoch ms), so that a late sample older than that no longer sets the minute's
 * `mem_limit` (a minute's limit is its latest sample's, as the SQLite store keeps it). Rows written
 * before have 0: the next sample counted in them sets both, as it did before.
 */
export const rollupLatestMigration: Migration = {
  version: 3,
  name: "rollup-latest",
  sql: `
ALTER TABLE metric_rollups ADD COLUMN latest_t bigint NOT NULL DEFAULT 0;
`,
};
