import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 2: the people-and-control tables. Users, their sessions (hashed ids), single-use
 * enrolment tokens (hashed), pending credential rotations, and the append-only audit log, which
 * triggers protect from UPDATE and DELETE so that no code path, present or future, can rewrite it.
 */
export const authMigration: Migration = {
  version: 2,
  name: "auth",
  sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('ADMIN', 'OPERATOR', 'VIEWER')),
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  client_address TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE enrolment_tokens (
  token_hash TEXT PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  created_by TEXT
) STRICT;
CREATE INDEX enrolment_tokens_by_host ON enrolment_tokens (host_id);

CREATE TABLE credential_rotations (
  host_id TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  requested_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  user_id TEXT,
  username TEXT NOT NULL,
  role TEXT NOT NULL,
  host_id TEXT NOT NULL,
  container_id TEXT NOT NULL,
  container_name TEXT,
  action TEXT NOT NULL,
  protected INTEGER NOT NULL CHECK (protected IN (0, 1)),
  result TEXT NOT NULL,
  reason TEXT,
  client_address TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_by_time ON audit_log (time);
CREATE INDEX audit_log_by_user ON audit_log (user_id, id);
CREATE INDEX audit_log_by_container ON audit_log (host_id, container_id, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
};
