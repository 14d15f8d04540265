import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 23: an index of the minute chunks alone (`metric_chunks` rows of span 60,000 ms), by
 * start. The packer makes each series' minute chunks of a finished hour one hour chunk; it now finds
 * them here, the oldest first, and packs a budget of them with each write (SqliteMetricPacker
 * .packHoursDue) instead of packing every series' hour with its first minute of the next one, all
 * in that minute's writes. Partial: at most the last hour or two of minute chunks of each series are
 * in it, so that it costs an entry per chunk made and deleted, not one per chunk kept. Built once
 * from the table as the server starts (reading every chunk's row).
 */
export const minuteChunksIndexMigration: Migration = {
  version: 23,
  name: "minute-chunks-index",
  sql: "CREATE INDEX metric_chunks_minutes ON metric_chunks (start) WHERE span = 60000;",
};
