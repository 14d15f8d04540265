import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 5: the audit log holds every kind of event, not only container actions: a `category`
 * (container, user, host, session), the user or host acted on (`target_id`, `target`) and a
 * `detail`; host, container and role may be empty (a sign-in concerns no container, the CLI has
 * no role). SQLite cannot drop NOT NULL in place, so the table is rebuilt: created anew, every row
 * copied with its id (the AUTOINCREMENT sequence follows the rename, so ids keep rising), the old
 * one dropped with its triggers and indexes, and the append-only triggers and indexes recreated.
 * A container row must still name its host, container and role.
 */
export const auditCategoriesMigration: Migration = {
  version: 5,
  name: "audit-categories",
  sql: `
CREATE TABLE audit_log_v5 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  category TEXT NOT NULL CHECK (category IN ('container', 'user', 'host', 'session')),
  user_id TEXT,
  username TEXT NOT NULL,
  role TEXT CHECK (role IN ('ADMIN', 'OPERATOR', 'VIEWER')),
  host_id TEXT,
  container_id TEXT,
  container_name TEXT,
  target_id TEXT,
  target TEXT,
  action TEXT NOT NULL,
  protected INTEGER NOT NULL CHECK (protected IN (0, 1)),
  result TEXT NOT NULL,
  reason TEXT,
  detail TEXT,
  client_address TEXT NOT NULL,
  CHECK (category <> 'container' OR (host_id IS NOT NULL AND container_id IS NOT NULL AND role IS NOT NULL))
) STRICT;
INSERT INTO audit_log_v5 (id, time, category, user_id, username, role, host_id, container_id,
                          container_name, action, protected, result, reason, client_address)
  SELECT id, time, 'container', user_id, username, role, host_id, container_id,
         container_name, action, protected, result, reason, client_address
  FROM audit_log ORDER BY id;
DROP TABLE audit_log;
ALTER TABLE audit_log_v5 RENAME TO audit_log;
CREATE INDEX audit_log_by_time ON audit_log (time);
CREATE INDEX audit_log_by_user ON audit_log (user_id, id);
CREATE INDEX audit_log_by_container ON audit_log (host_id, container_id, id);
CREATE INDEX audit_log_by_category ON audit_log (category, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
};
