import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 1 of the PostgreSQL store: the schema SQLite reached after its migration 10, in one step,
 * with the same meaning. Times are epoch ms in `bigint`, except log times (`ts`): Docker's time in
 * integer nanoseconds since the epoch, as on SQLite.
 *
 * Telemetry tables are partitioned by time into days (`partitions.ts` creates them, ahead and on
 * demand; retention drops whole days): `metric_samples` (one wide row per container sample, keyed by
 * series and time, which is also the dedupe of a resent sample), `metric_rollups` (one row per series
 * and minute, mergeable aggregates only: n, sums, minima, maxima, last counters) and `log_lines`.
 * There is no DEFAULT partition: a row whose day has no partition is refused, never parked where
 * dropping a day cannot reach it.
 *
 * Log search: `words` holds the distinct words of a line as the search compares them (ANSI codes
 * stripped, case and accents folded: `log-words.ts`), as a tsvector without positions, under a GIN
 * index; a prefix search asks it for candidates that `findLogMatches` then narrows.
 *
 * `hosts.log_bytes` is the UTF-8 size of a host's stored log text, kept by the writer and retention
 * (SQLite: its writer adds a batch's bytes, its delete trigger takes a line's off), for the per-host cap.
 */
export const schemaMigration: Migration = {
  version: 1,
  name: "schema",
  sql: `
CREATE TABLE hosts (
  id text PRIMARY KEY,
  name text NOT NULL,
  name_key text NOT NULL,
  created_at bigint NOT NULL,
  last_seen bigint,
  agent_version text,
  info text,
  dropped_batches bigint NOT NULL DEFAULT 0,
  log_bytes bigint NOT NULL DEFAULT 0,
  conflict_refused_at bigint,
  conflict_refusals integer NOT NULL DEFAULT 0,
  conflict_host_info text,
  revoked_at bigint,
  deleted_at bigint
);
CREATE UNIQUE INDEX hosts_name_key ON hosts (name_key) WHERE deleted_at IS NULL;

CREATE TABLE host_credentials (
  token_hash text PRIMARY KEY,
  host_id text NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX host_credentials_host ON host_credentials (host_id);

CREATE TABLE containers (
  host_id text NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  id text NOT NULL,
  state text NOT NULL,
  info text NOT NULL,
  updated_at bigint NOT NULL,
  removed_at bigint,
  PRIMARY KEY (host_id, id)
);
CREATE INDEX containers_removed_at ON containers (removed_at) WHERE removed_at IS NOT NULL;

CREATE TABLE container_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  host_id text NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  container_id text NOT NULL,
  time bigint NOT NULL,
  action text NOT NULL,
  exit_code integer,
  oom_killed boolean NOT NULL
);
CREATE INDEX container_events_series ON container_events (host_id, container_id, time);
CREATE INDEX container_events_time ON container_events (time);

-- A batch's identity: (host, incarnation, seq) and the SHA-256 of its content.
CREATE TABLE ingested_batches (
  host_id text NOT NULL,
  incarnation text NOT NULL,
  seq bigint NOT NULL,
  digest text NOT NULL,
  stored_at bigint NOT NULL,
  PRIMARY KEY (host_id, incarnation, seq, digest)
);
CREATE INDEX ingested_batches_stored_at ON ingested_batches (stored_at);
CREATE INDEX ingested_batches_host_seq ON ingested_batches (host_id, seq);

CREATE TABLE series (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  host_id text NOT NULL,
  container_id text NOT NULL,
  UNIQUE (host_id, container_id)
);

-- Columns of 8 bytes first, then those of 4: no alignment padding between them (8 bytes a row).
CREATE TABLE metric_samples (
  t bigint NOT NULL,
  cpu_percent double precision NOT NULL,
  mem_used bigint NOT NULL,
  mem_limit bigint NOT NULL,
  net_rx bigint,
  net_tx bigint,
  blk_read bigint NOT NULL,
  blk_write bigint NOT NULL,
  series integer NOT NULL,
  online_cpus integer NOT NULL,
  pids integer NOT NULL,
  PRIMARY KEY (series, t)
) PARTITION BY RANGE (t);

CREATE TABLE metric_rollups (
  minute bigint NOT NULL,
  cpu_sum double precision NOT NULL,
  cpu_min double precision NOT NULL,
  cpu_max double precision NOT NULL,
  mem_sum bigint NOT NULL,
  mem_min bigint NOT NULL,
  mem_max bigint NOT NULL,
  mem_limit bigint NOT NULL,
  net_rx bigint,
  net_tx bigint,
  blk_read bigint NOT NULL,
  blk_write bigint NOT NULL,
  pids_sum bigint NOT NULL,
  series integer NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (series, minute)
) PARTITION BY RANGE (minute);

CREATE TABLE log_lines (
  id bigint GENERATED ALWAYS AS IDENTITY,
  ts bigint NOT NULL,
  server_offset_ms bigint NOT NULL,
  series integer NOT NULL,
  stream smallint NOT NULL,
  truncated boolean NOT NULL,
  text text NOT NULL,
  words tsvector NOT NULL
) PARTITION BY RANGE (ts);
CREATE INDEX log_lines_series ON log_lines (series, ts, id);
CREATE INDEX log_lines_words ON log_lines USING gin (words);

CREATE TABLE users (
  id text PRIMARY KEY,
  username text NOT NULL,
  role text NOT NULL CHECK (role IN ('ADMIN', 'OPERATOR', 'VIEWER')),
  disabled boolean NOT NULL DEFAULT false,
  password_hash text NOT NULL,
  created_at bigint NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (lower(username));

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  client_address text NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE enrolment_tokens (
  token_hash text PRIMARY KEY,
  host_id text NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  used_at bigint,
  created_by text
);
CREATE INDEX enrolment_tokens_by_host ON enrolment_tokens (host_id);

CREATE TABLE credential_rotations (
  host_id text PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  requested_at bigint NOT NULL
);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time bigint NOT NULL,
  category text NOT NULL CHECK (category IN ('container', 'user', 'host', 'session')),
  user_id text,
  username text NOT NULL,
  role text CHECK (role IN ('ADMIN', 'OPERATOR', 'VIEWER')),
  host_id text,
  container_id text,
  container_name text,
  target_id text,
  target text,
  action text NOT NULL,
  protected boolean NOT NULL,
  result text NOT NULL,
  reason text,
  detail text,
  client_address text NOT NULL,
  CHECK (category <> 'container' OR (host_id IS NOT NULL AND container_id IS NOT NULL AND role IS NOT NULL))
);
CREATE INDEX audit_log_by_time ON audit_log (time);
CREATE INDEX audit_log_by_user ON audit_log (user_id, id);
CREATE INDEX audit_log_by_container ON audit_log (host_id, container_id, id);
CREATE INDEX audit_log_by_category ON audit_log (category, id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE login_failures (
  scope text NOT NULL CHECK (scope IN ('account', 'address', 'pair')),
  account text NOT NULL,
  address text NOT NULL,
  failures integer NOT NULL,
  last_failure_at bigint NOT NULL,
  PRIMARY KEY (scope, account, address)
);
CREATE INDEX login_failures_account ON login_failures (account);
CREATE TABLE login_known_addresses (
  account text NOT NULL,
  address text NOT NULL,
  last_success_at bigint NOT NULL,
  PRIMARY KEY (account, address)
);

CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL,
  updated_at bigint NOT NULL
);
`,
};
