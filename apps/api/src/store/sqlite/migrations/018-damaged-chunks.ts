import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 18: a stored chunk that does not decode (a raw one of `metric_chunks`, tier `raw`, or
 * a rollup one of `metric_rollup_chunks`, tier `1m`; a damaged file or a writer's bug) is copied
 * here by the packer, with why, before it packs the series without it: until then the packing of
 * its staging group (128 series) was put off a minute at a time for good, its staging rows piling
 * up, and a chart that read the chunk failed. Readers skip such a chunk. Kept for whoever looks
 * into the damage until retention deletes its tier's chunks of that time, or its host goes (by the
 * `series` column, as every series table).
 */
export const damagedChunksMigration: Migration = {
  version: 18,
  name: "damaged-chunks",
  sql: `
CREATE TABLE metric_chunks_damaged (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tier TEXT NOT NULL CHECK (tier IN ('raw', '1m')),
  series INTEGER NOT NULL,
  start INTEGER NOT NULL,
  span INTEGER NOT NULL,
  data BLOB NOT NULL,
  error TEXT NOT NULL,
  set_aside_at INTEGER NOT NULL
) STRICT;
`,
};
