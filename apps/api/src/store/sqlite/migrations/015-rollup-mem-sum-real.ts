import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 15: a minute's memory sum (`metric_rollups.mem_sum`) is REAL, as `cpu_sum` is. Each
 * sample's memory is an integer JavaScript holds exactly (up to 2^53 − 1, the protocol's bound),
 * but a minute may hold thousands of samples: as an INTEGER, a sum past 2^53 could be stored and
 * not read back by node:sqlite (which refuses such integers unless every read takes BigInts), and
 * one past 2^63 not stored at all, so that one agent's valid samples stopped every series' rollups
 * from packing. The sum only ever divides into an average, which a double keeps to 16 digits.
 */
export const rollupMemSumRealMigration: Migration = {
  version: 15,
  name: "rollup-mem-sum-real",
  sql: `
CREATE TABLE metric_rollups_v15 (
  series INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  n INTEGER NOT NULL,
  cpu_sum REAL NOT NULL,
  cpu_min REAL NOT NULL,
  cpu_max REAL NOT NULL,
  mem_sum REAL NOT NULL,
  mem_min INTEGER NOT NULL,
  mem_max INTEGER NOT NULL,
  mem_limit INTEGER NOT NULL,
  net_rx INTEGER,
  net_tx INTEGER,
  blk_read INTEGER NOT NULL,
  blk_write INTEGER NOT NULL,
  pids_sum INTEGER NOT NULL,
  PRIMARY KEY (series, minute)
) STRICT, WITHOUT ROWID;
INSERT INTO metric_rollups_v15 SELECT * FROM metric_rollups;
DROP TABLE metric_rollups;
ALTER TABLE metric_rollups_v15 RENAME TO metric_rollups;
`,
};
