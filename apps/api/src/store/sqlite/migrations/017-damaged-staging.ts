import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 17: a staging row that does not decode (staged-samples.ts: its length does not fit
 * its layout, so a damaged file or a writer's bug) is set aside in `metric_staging_damaged` by the
 * packer, with why, rather than tried again every minute: until then it held up the packing of its
 * whole group (128 series) for good. Readers skip such a row. Kept, under its staging id, for
 * whoever looks into the damage; deleted with its host.
 *
 * `metric_staging` is made again with AUTOINCREMENT ids, never reused: the packer takes a group's
 * rows up to the id it started at (metric-packer.ts), so a row set aside from the top must not
 * hand its id to a later row that the group's end would then delete unpacked, and no two rows set
 * aside may share an id. A small table (minutes of samples), so copied at once.
 */
export const damagedStagingMigration: Migration = {
  version: 17,
  name: "damaged-staging",
  sql: `
CREATE TABLE metric_staging_v17 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  host_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  data BLOB NOT NULL
) STRICT;
INSERT INTO metric_staging_v17 (id, host_id, grp, minute, data)
  SELECT id, host_id, grp, minute, data FROM metric_staging;
DROP TABLE metric_staging;
ALTER TABLE metric_staging_v17 RENAME TO metric_staging;
CREATE INDEX metric_staging_group ON metric_staging (host_id, grp);
CREATE INDEX metric_staging_minute ON metric_staging (minute, host_id, grp);

CREATE TABLE metric_staging_damaged (
  id INTEGER PRIMARY KEY,
  host_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  data BLOB NOT NULL,
  error TEXT NOT NULL,
  set_aside_at INTEGER NOT NULL
) STRICT;
`,
};
