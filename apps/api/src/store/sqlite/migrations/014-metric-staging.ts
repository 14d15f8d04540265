import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 14: samples arrive in staging rows instead of head rows (issue 13: ingest). A write
 * stored a `metric_head` row per sample, clustered by (series, t), so each transaction dirtied a
 * page per series it touched: COMMIT and the inserts were two thirds of the writer's time
 * (BENCHMARKS.md figure 3). Now a write appends one `metric_staging` row per host, staging group
 * (staged-samples.ts: the samples of 128 consecutive series ids, 64-bit floats) and minute its
 * samples fall in, and the writer packs a group's rows of a minute into the series' chunks once
 * that minute is over (metric-packer.ts). `minute` is its start (ms since the epoch), or, for a
 * row whose packing failed, the minute it was put off to.
 *
 * `metric_head` stays for the rows a file of schema 13 holds: opening the store moves them into
 * staging (adoptHeadRows, metric-packer.ts), which SQL cannot encode, and they are packed at the
 * next write. Nothing writes to it since.
 */
export const metricStagingMigration: Migration = {
  version: 14,
  name: "metric-staging",
  sql: `
CREATE TABLE metric_staging (
  id INTEGER PRIMARY KEY,
  host_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  data BLOB NOT NULL
) STRICT;
CREATE INDEX metric_staging_group ON metric_staging (host_id, grp);
CREATE INDEX metric_staging_minute ON metric_staging (minute, host_id, grp);
`,
};
