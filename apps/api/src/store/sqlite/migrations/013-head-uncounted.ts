import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 13: the stored rollups no longer count the samples in the raw tier's head (issue 13:
 * one rollup upsert per sample cost a fifth of the telemetry writer's time). A minute's rollup is
 * now written once, from its samples, when they leave the head (rollup-writer.ts); readers add the
 * head's minutes themselves. A file of schema 12 counted every head row in its minute's rollup row
 * already: this takes the head rows' count and sums back out of those rows (CPU as it was counted,
 * rounded to thousandths of a percentage point), and deletes a row left with no samples. Minima,
 * maxima, the limit and the counters stay: they cannot be taken back out, and need not be, since
 * counting the same samples again when the head is packed leaves them as they are.
 *
 * Not undone here: a head row whose minute's rollup is in an hour chunk rather than a row (a late
 * sample of an empty minute of an hour already packed, in the head only until its series' next
 * minute when the server stopped) stays counted there, and is counted again when packed: that
 * minute's average is then off by its weight. Chunks are binary (rollup-chunk.ts), out of SQL's reach.
 */
export const headUncountedMigration: Migration = {
  version: 13,
  name: "head-uncounted",
  sql: `
UPDATE metric_rollups AS r
SET n = r.n - h.n, cpu_sum = r.cpu_sum - h.cpu_sum, mem_sum = r.mem_sum - h.mem_sum, pids_sum = r.pids_sum - h.pids_sum
FROM (
  SELECT series, t - t % 60000 AS minute, count(*) AS n, sum(round(cpu_percent * 1000) / 1000) AS cpu_sum,
         sum(mem_used) AS mem_sum, sum(pids) AS pids_sum
  FROM metric_head GROUP BY series, minute
) AS h
WHERE r.series = h.series AND r.minute = h.minute;
DELETE FROM metric_rollups WHERE n <= 0;
`,
};
