import type { DatabaseSync } from "node:sqlite";
import { type Migration, migrationsAfter } from "../migration-steps.ts";

/** Settings for a file shared by one writer process: WAL, foreign keys, a bounded wait on locks. */
export function configure(db: DatabaseSync): void {
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA foreign_keys = ON;
    PRAGMA busy_timeout = 5000;
    -- 16 MiB of page cache a connection: log and metric inserts from many hosts touch index pages all
    -- over the file, yet the writer took no longer a row than with 64 (0.95x a log line, 1.03x a sample),
    -- and the server's resident memory peaked up to 100 MiB lower (BENCHMARKS.md, "The server's memory").
    PRAGMA cache_size = -16384;
    -- Checkpoint (and fsync) every ~32 MiB of WAL rather than every 4 MiB: checkpoints block the writer.
    -- Every 256 MiB made the telemetry writer faster alone but the ingest suite lose rows at a third
    -- lower rates, samples and log lines alike (BENCHMARKS.md figure 3, 2026-12-01).
    PRAGMA wal_autocheckpoint = 8192;
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

/**
 * Runs fn's reads on one snapshot of the database (a deferred BEGIN … COMMIT; inside a transaction
 * already open, in that one). Each statement outside a transaction sees the newest commit, so reads
 * of data the telemetry writer moves between tables (staged samples packed into chunks, from its own
 * connection) could miss it between two statements. fn must not await.
 */
export function readSnapshot<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec("BEGIN");
  try {
    return fn();
  } finally {
    if (db.isTransaction) db.exec("COMMIT");
  }
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
