import { DatabaseSync } from "node:sqlite";
import type { MetricSample } from "@crowsnest/protocol";
import { openConnection } from "../../src/store/sqlite/connection.ts";
import { migrate } from "../../src/store/sqlite/database.ts";
import { registerHostNameKey } from "../../src/store/sqlite/host-name-key.ts";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.ts";
import type { Store } from "../../src/store/store.ts";

/**
 * A SQLite store file at `path` as a server of an older schema left it: migrated by every migration
 * before `version` (Infinity: all of them), holding host "h1" and its series 1, container
 * `containerId`. The caller writes that schema's rows through the connection returned, then closes
 * it and opens the store on `path`, which upgrades it.
 */
export function oldSchemaFile(path: string, version: number, containerId: string): DatabaseSync {
  const db = openConnection(path);
  registerHostNameKey(db);
  migrate(
    db,
    MIGRATIONS.filter((m) => m.version < version),
  );
  db.prepare("INSERT INTO hosts (id, name, name_key, created_at) VALUES ('h1', 'old', 'old', 1)").run();
  db.prepare("INSERT INTO series (id, host_id, container_id) VALUES (1, 'h1', ?)").run(containerId);
  return db;
}

/** Stores `samples` as batch `seq` of host "h1" (oldSchemaFile's), received at time 1. */
export function writeSamples(store: Store, seq: number, samples: MetricSample[]) {
  return store.telemetry.write([
    { kind: "batch", hostId: "h1", at: 1, message: { type: "metrics", seq, samples } },
  ]);
}

/**
 * Packs every staged sample of a SQLite store (migration 14) into chunks, as the telemetry writer
 * and the retention sweep do once their minute is over (by the arrival clock): every minute is
 * long past now.
 */
export async function packStaged(store: Store): Promise<void> {
  await store.retention.packRawMetrics?.(Date.now(), 1_000_000);
}

/** Rows of a table of the SQLite file at `path`, counted on a read-only connection of the test's own. */
export function countRows(path: string, table: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
