import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 4 of the PostgreSQL store: raw samples in chunks, as the SQLite store keeps them
 * (metric-chunk.ts). `metric_samples` rows become the head: PgMetricPacker moves a series'
 * samples of a finished minute into one chunk row (`span` 60,000 ms) and a finished hour's minute
 * chunks into one (`span` 3,600,000 ms); `start` is the minute or hour (epoch ms), `n` the samples
 * in `data`. Day partitions by `start`, as the other telemetry tables. A sample row costs about 142
 * bytes with its index (BENCHMARKS.md figure 7), a packed hour a few bytes a sample.
 */
export const metricChunksMigration: Migration = {
  version: 4,
  name: "metric-chunks",
  sql: `
CREATE TABLE metric_chunks (
  start bigint NOT NULL,
  series integer NOT NULL,
  span integer NOT NULL,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (series, start)
) PARTITION BY RANGE (start);
`,
};
