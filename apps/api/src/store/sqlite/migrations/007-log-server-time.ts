import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 7: each log line keeps, beside Docker's own timestamp (`ts`, the Engine host's clock),
 * the same time on the server's time line (`server_ts`: `ts` corrected by the agent's measured clock
 * offset), for ordering lines across hosts. Lines stored before have none; they read as `ts`.
 */
export const logServerTimeMigration: Migration = {
  version: 7,
  name: "log-server-time",
  sql: `
ALTER TABLE log_lines ADD COLUMN server_ts TEXT;
`,
};
