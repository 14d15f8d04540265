import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 6 of the PostgreSQL store, as the SQLite store's 18: a stored chunk that does not
 * decode (a raw one of `metric_chunks`, tier `raw`, or a rollup one of `metric_rollup_chunks`,
 * tier `1m`; damaged storage or a writer's bug) is copied here by the packer, with why, before it
 * packs the series without it: until then every pass failed on it, and with it the packing of the
 * whole fleet, and a write of a late sample that looked the chunk up failed. Readers skip such a
 * chunk. Kept for whoever looks into the damage until retention deletes its tier's chunks of that time, or
 * its host goes. Not partitioned: a few rows.
 */
export const damagedChunksMigration: Migration = {
  version: 6,
  name: "damaged-chunks",
  sql: `
CREATE TABLE metric_chunks_damaged (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tier text NOT NULL CHECK (tier IN ('raw', '1m')),
  series integer NOT NULL,
  start bigint NOT NULL,
  span integer NOT NULL,
  data bytea NOT NULL,
  error text NOT NULL,
  set_aside_at bigint NOT NULL
);
CREATE INDEX metric_chunks_damaged_series ON metric_chunks_damaged (series);
`,
};
