import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 4: failed-login counters survive a restart, and the addresses each account last
 * signed in from are remembered (see LoginFailureRepository).
 */
export const loginFailuresMigration: Migration = {
  version: 4,
  name: "login-failures",
  sql: `
CREATE TABLE login_failures (
  scope TEXT NOT NULL CHECK (scope IN ('account', 'address', 'pair')),
  account TEXT NOT NULL,
  address TEXT NOT NULL,
  failures INTEGER NOT NULL,
  last_failure_at INTEGER NOT NULL,
  PRIMARY KEY (scope, account, address)
) WITHOUT ROWID;
CREATE INDEX login_failures_account ON login_failures (account);
CREATE TABLE login_known_addresses (
  account TEXT NOT NULL,
  address TEXT NOT NULL,
  last_success_at INTEGER NOT NULL,
  PRIMARY KEY (account, address)
) WITHOUT ROWID;
`,
};
