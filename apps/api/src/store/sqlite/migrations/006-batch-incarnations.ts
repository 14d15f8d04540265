import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 6: a batch's identity is (host, incarnation, seq, digest), so that an agent whose
 * sequence numbers went back (state directory lost, restored, cloned) never has a new batch taken
 * for one already stored. Rows from before keep incarnation '' (the agents that send none) and
 * digest '' (unknown: such a row still matches its (host, seq) as before). Hosts remember the
 * last second agent refused on their credential.
 */
export const batchIncarnationsMigration: Migration = {
  version: 6,
  name: "batch-incarnations",
  sql: `
CREATE TABLE ingested_batches_v6 (
  host_id TEXT NOT NULL,
  incarnation TEXT NOT NULL,
  seq INTEGER NOT NULL,
  -- SHA-256 (hex) of the frame as received; '' for rows stored before this migration.
  digest TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (host_id, incarnation, seq, digest)
) STRICT;
INSERT INTO ingested_batches_v6 (host_id, incarnation, seq, digest, stored_at)
  SELECT host_id, '', seq, '', stored_at FROM ingested_batches;
DROP TABLE ingested_batches;
ALTER TABLE ingested_batches_v6 RENAME TO ingested_batches;
CREATE INDEX ingested_batches_stored_at ON ingested_batches(stored_at);

ALTER TABLE hosts ADD COLUMN conflict_refused_at INTEGER;
ALTER TABLE hosts ADD COLUMN conflict_refusals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN conflict_host_info TEXT;
`,
};
