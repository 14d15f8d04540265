import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 10: hosts have a lifecycle. `name_key` (`hostNameKey`: the name without case) is unique
 * among hosts not deleted; hosts that shared a name before keep it, the later ones keyed apart by
 * their id. `revoked_at` marks a host whose ways in were revoked (set here for hosts whose
 * credentials are all revoked and that hold no unused token), `deleted_at` one deleted with its data
 * kept. `settings` holds what an admin sets at run time (the URL new agents dial).
 */
export const hostLifecycleMigration: Migration = {
  version: 10,
  name: "host-lifecycle",
  sql: `
ALTER TABLE hosts ADD COLUMN name_key TEXT;
ALTER TABLE hosts ADD COLUMN revoked_at INTEGER;
ALTER TABLE hosts ADD COLUMN deleted_at INTEGER;
UPDATE hosts SET name_key = crowsnest_host_name_key(name);
UPDATE hosts SET name_key = name_key || ' ' || id
  WHERE EXISTS (SELECT 1 FROM hosts AS older WHERE older.name_key = hosts.name_key
                AND (older.created_at < hosts.created_at OR (older.created_at = hosts.created_at AND older.id < hosts.id)));
UPDATE hosts SET revoked_at = (SELECT max(c.revoked_at) FROM host_credentials c WHERE c.host_id = hosts.id)
  WHERE EXISTS (SELECT 1 FROM host_credentials c WHERE c.host_id = hosts.id AND c.revoked_at IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM host_credentials c WHERE c.host_id = hosts.id AND c.revoked_at IS NULL)
    AND NOT EXISTS (SELECT 1 FROM enrolment_tokens t WHERE t.host_id = hosts.id AND t.used_at IS NULL);
CREATE UNIQUE INDEX hosts_name_key ON hosts(name_key) WHERE deleted_at IS NULL;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
`,
};
