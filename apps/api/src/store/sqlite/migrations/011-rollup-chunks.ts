import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 11: one-minute rollups in chunks (issue 13: rollups ≤ 2 % of the raw tier). The rows
 * of `metric_rollups` now hold only each series' current hour; once a series' samples reach a new
 * hour, its rollups of the hours before become one `metric_rollup_chunks` row per series and hour:
 * `n` minutes encoded by rollup-chunk.ts (integer columns delta-encoded, then zstd; CPU in
 * thousandths of a percentage point, to which every sample's CPU is rounded as it is counted).
 * A rowid table, as `metric_chunks`: an hour's chunk of a few hundred bytes stays on its leaf page.
 *
 * Every rollup stored before stays a row, read as before; a series' rows of past hours are packed
 * at its next write (or stay rows until retention, which reads both).
 */
export const rollupChunksMigration: Migration = {
  version: 11,
  name: "rollup-chunks",
  sql: `
CREATE TABLE metric_rollup_chunks (
  id INTEGER PRIMARY KEY,
  series INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  n INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (series, hour)
) STRICT;
`,
};
