import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 2 of the PostgreSQL store: login attempts are reserved in the store, as SQLite's
 * migration 12 (see there): `pending` attempts being checked, the latest reservation's time
 * `pending_at` and `lock_reported_until`, all epoch ms but the count.
 */
export const loginReservationsMigration: Migration = {
  version: 2,
  name: "login-reservations",
  sql: `
ALTER TABLE login_failures
  ADD COLUMN pending integer NOT NULL DEFAULT 0,
  ADD COLUMN pending_at bigint NOT NULL DEFAULT 0,
  ADD COLUMN lock_reported_until bigint NOT NULL DEFAULT 0;
`,
};
