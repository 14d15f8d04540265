import type { Migration } from "../../migration-steps.ts";

/** Hosts and their credentials, inventory, metrics (raw + 1-minute rollups), logs with FTS5, the batch ledger. */
export const telemetryMigration: Migration = {
  version: 1,
  name: "telemetry",
  sql: `
CREATE TABLE hosts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER,
  agent_version TEXT,
  info TEXT,
  dropped_batches INTEGER NOT NULL DEFAULT 0,
  -- UTF-8 bytes of stored log text, kept by triggers, for the per-host size cap.
  log_bytes INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE host_credentials (
  token_hash TEXT PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE INDEX host_credentials_host ON host_credentials(host_id);

CREATE TABLE containers (
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  state TEXT NOT NULL,
  info TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (host_id, id)
) STRICT;

-- Every (host, seq) stored, so that a resent batch is recognised and ignored.
CREATE TABLE ingested_batches (
  host_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (host_id, seq)
) STRICT;
CREATE INDEX ingested_batches_stored_at ON ingested_batches(stored_at);

CREATE TABLE metric_samples (
  host_id TEXT NOT NULL,
  container_id TEXT NOT NULL,
  t INTEGER NOT NULL,
  cpu_percent REAL NOT NULL,
  online_cpus INTEGER NOT NULL,
  mem_used INTEGER NOT NULL,
  mem_limit INTEGER NOT NULL,
  net_rx INTEGER NOT NULL,
  net_tx INTEGER NOT NULL,
  blk_read INTEGER NOT NULL,
  blk_write INTEGER NOT NULL,
  pids INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX metric_samples_series ON metric_samples(host_id, container_id, t);
CREATE INDEX metric_samples_t ON metric_samples(t);

-- One row per container and minute: sums and counts give averages, plus maxima; counters keep their latest value.
CREATE TABLE metric_rollups_1m (
  host_id TEXT NOT NULL,
  container_id TEXT NOT NULL,
  minute INTEGER NOT NULL,
  n INTEGER NOT NULL,
  cpu_sum REAL NOT NULL,
  cpu_max REAL NOT NULL,
  mem_sum REAL NOT NULL,
  mem_max INTEGER NOT NULL,
  mem_limit INTEGER NOT NULL,
  net_rx INTEGER NOT NULL,
  net_tx INTEGER NOT NULL,
  blk_read INTEGER NOT NULL,
  blk_write INTEGER NOT NULL,
  pids_sum REAL NOT NULL
) STRICT;
CREATE UNIQUE INDEX metric_rollups_series ON metric_rollups_1m(host_id, container_id, minute);
CREATE INDEX metric_rollups_minute ON metric_rollups_1m(minute);

-- ts is RFC 3339 with exactly nine fractional digits, so that text order is time order.
CREATE TABLE log_lines (
  id INTEGER PRIMARY KEY,
  host_id TEXT NOT NULL,
  container_id TEXT NOT NULL,
  ts TEXT NOT NULL,
  stream TEXT NOT NULL,
  text TEXT NOT NULL,
  truncated INTEGER NOT NULL
) STRICT;
CREATE INDEX log_lines_series ON log_lines(host_id, container_id, ts, id);
CREATE INDEX log_lines_ts ON log_lines(ts);
CREATE INDEX log_lines_host ON log_lines(host_id);

CREATE VIRTUAL TABLE log_fts USING fts5(text, content='log_lines', content_rowid='id');

CREATE TRIGGER log_lines_inserted AFTER INSERT ON log_lines BEGIN
  INSERT INTO log_fts(rowid, text) VALUES (new.id, new.text);
  UPDATE hosts SET log_bytes = log_bytes + length(CAST(new.text AS BLOB)) WHERE id = new.host_id;
END;
CREATE TRIGGER log_lines_deleted AFTER DELETE ON log_lines BEGIN
  INSERT INTO log_fts(log_fts, rowid, text) VALUES ('delete', old.id, old.text);
  UPDATE hosts SET log_bytes = log_bytes - length(CAST(old.text AS BLOB)) WHERE id = old.host_id;
END;
`,
};
