import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 25: the batch ledger keyed by small integers. A row was (host id, incarnation, seq,
 * SHA-256 as 64 hex digits, stored_at) in a rowid table, the key copied again in its primary key's
 * index and the rowid in an index by `stored_at`: 266 bytes a batch (BENCHMARKS.md figure 7), kept
 * 7 days. Now a (host, incarnation) pair is a row of `agent_incarnations`, one per agent run, and a
 * batch is (that id, seq, the digest's 32 bytes, stored_at) in a table clustered on its key
 * (`WITHOUT ROWID`) with no other index: retention walks each run's batches in seq order, in which
 * its agent cut them (SqliteRetentionRepository.deleteBatchLedgerBefore). Rewriting the table
 * takes about 2 s a million batches at startup (0.9 s for 500,000 in a helper's probe). A row's digest
 * from before migration 6 ('') becomes an empty blob, which still matches its (host, seq) alone; one
 * not in hex (none is: batch-digest.ts and migration 6 wrote them) is kept as its text's bytes.
 * Deleting a host's `agent_incarnations` rows (SqliteHostRepository.delete, by `host_id`) takes its
 * batches with them (ON DELETE CASCADE).
 */
export const compactBatchLedgerMigration: Migration = {
  version: 25,
  name: "compact-batch-ledger",
  sql: `
CREATE TABLE agent_incarnations (
  id INTEGER PRIMARY KEY,
  host_id TEXT NOT NULL,
  -- '' for the agents that send none (before protocol 1).
  incarnation TEXT NOT NULL,
  UNIQUE (host_id, incarnation)
) STRICT;
CREATE TABLE ingested_batches_v25 (
  incarnation INTEGER NOT NULL REFERENCES agent_incarnations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  -- SHA-256 of the batch (batch-digest.ts); empty for rows stored before migration 6.
  digest BLOB NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (incarnation, seq, digest)
) STRICT, WITHOUT ROWID;
INSERT INTO agent_incarnations (host_id, incarnation)
  SELECT DISTINCT host_id, incarnation FROM ingested_batches ORDER BY host_id, incarnation;
INSERT INTO ingested_batches_v25 (incarnation, seq, digest, stored_at)
  SELECT i.id, b.seq, coalesce(unhex(b.digest), CAST(b.digest AS BLOB)), b.stored_at
  FROM ingested_batches b JOIN agent_incarnations i ON i.host_id = b.host_id AND i.incarnation = b.incarnation;
DROP TABLE ingested_batches;
ALTER TABLE ingested_batches_v25 RENAME TO ingested_batches;
`,
};
