import type { DatabaseSync } from "node:sqlite";
import { type Migration, migrationsAfter } from "../migration-steps.ts";

/** Settings for a file shared by one writer process: WAL, foreign keys, a bounded wait on locks. */
export function configure(db: DatabaseSync): void {
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;
    -- 64 MiB of page cache: log and metric inserts from many hosts touch index pages all over the file.
    PRAGMA cache_size = -65536;
    -- Checkpoint (and fsync) every ~256 MiB of WAL rather than every 4 MiB: checkpoints block the
    -- writer, and a checkpoint copies each page once however often the WAL has it. Telemetry rewrites
    -- the same head pages (one per series) in every transaction: at 12,000 series, every ~32 MiB
    -- meant a checkpoint every few transactions; this setting took 29 % off the writer's wall
    -- time per sample (BENCHMARKS.md figure 3). Durability is the WAL's and synchronous's, not the
    -- checkpoint's. The WAL file keeps its largest size on disk (SQLite reuses it from its start).
    PRAGMA wal_autocheckpoint = 65536;
  `);
}

/** Applies, each in its own transaction, the migrations newer than the file's `user_version`. */
export function migrate(db: DatabaseSync, migrations: readonly Migration[]): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  let current = row.user_version;
  for (const migration of migrationsAfter(current, migrations)) {
    transaction(db, () => {
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    });
    current = migration.version;
  }
  return current;
}

/** Runs fn inside BEGIN IMMEDIATE … COMMIT, rolling back (and rethrowing) if it throws. */
export function transaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (err) {
    // SQLite has already rolled back after some errors (a full disk): a ROLLBACK then would
    // fail and hide the error that matters.
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}
