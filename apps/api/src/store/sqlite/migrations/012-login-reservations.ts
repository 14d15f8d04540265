import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 12: login attempts are reserved in the store, not in one server's memory, so that
 * replicas sharing a database see each other's attempts still being checked (see
 * LoginFailureRepository.reserve). `pending` counts the attempts reserved and not yet settled,
 * `pending_at` is the epoch ms of the latest reservation (reservations older than a check can take
 * were left by a server that stopped mid-check, and lapse), and `lock_reported_until` is the epoch ms
 * until which this counter's refusal has been reported, so that one server reports each lock once.
 */
export const loginReservationsMigration: Migration = {
  version: 12,
  name: "login-reservations",
  sql: `
ALTER TABLE login_failures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE login_failures ADD COLUMN pending_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE login_failures ADD COLUMN lock_reported_until INTEGER NOT NULL DEFAULT 0;
`,
};
