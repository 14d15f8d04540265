import type { Migration } from "../../migration-steps.ts";
import { schemaMigration } from "./001-schema.ts";
import { loginReservationsMigration } from "./002-login-reservations.ts";
import { rollupLatestMigration } from "./003-rollup-latest.ts";
import { metricChunksMigration } from "./004-metric-chunks.ts";
import { rollupChunksMigration } from "./005-rollup-chunks.ts";
import { damagedChunksMigration } from "./006-damaged-chunks.ts";
import { logWordsWithoutPrivateUseMigration } from "./007-log-words-without-private-use.ts";

/** The PostgreSQL store's migrations, in version order (recorded in `schema_migrations`). */
export const MIGRATIONS: readonly Migration[] = [
  schemaMigration,
  loginReservationsMigration,
  rollupLatestMigration,
  metricChunksMigration,
  rollupChunksMigration,
  damagedChunksMigration,
  logWordsWithoutPrivateUseMigration,
];
