import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 8: a container's history outlives it. A removed container keeps its row as a tombstone
 * (`removed_at`, epoch ms) so that its page still shows its last known record beside its stored logs
 * and metrics; and every lifecycle event is kept (`container_events`: a crash loop's `die` events with
 * their exit codes mark the boots in the log view). Both go with their host and age out with rollups.
 */
export const containerHistoryMigration: Migration = {
  version: 8,
  name: "container-history",
  sql: `
ALTER TABLE containers ADD COLUMN removed_at INTEGER;
CREATE INDEX containers_removed_at ON containers(removed_at) WHERE removed_at IS NOT NULL;

CREATE TABLE container_events (
  id INTEGER PRIMARY KEY,
  host_id TEXT NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  container_id TEXT NOT NULL,
  time INTEGER NOT NULL,
  action TEXT NOT NULL,
  exit_code INTEGER,
  oom_killed INTEGER NOT NULL CHECK (oom_killed IN (0, 1))
) STRICT;
CREATE INDEX container_events_series ON container_events(host_id, container_id, time);
CREATE INDEX container_events_time ON container_events(time);
`,
};
