import type { Migration } from "../../migration-steps.ts";
import { telemetryMigration } from "./001-telemetry.ts";
import { authMigration } from "./002-auth.ts";
import { logSearchTextMigration } from "./003-log-search-text.ts";
import { loginFailuresMigration } from "./004-login-failures.ts";
import { auditCategoriesMigration } from "./005-audit-categories.ts";
import { batchIncarnationsMigration } from "./006-batch-incarnations.ts";
import { logServerTimeMigration } from "./007-log-server-time.ts";
import { containerHistoryMigration } from "./008-container-history.ts";
import { compactTelemetryMigration } from "./009-compact-telemetry.ts";
import { hostLifecycleMigration } from "./010-host-lifecycle.ts";
import { rollupChunksMigration } from "./011-rollup-chunks.ts";
import { loginReservationsMigration } from "./012-login-reservations.ts";
import { headUncountedMigration } from "./013-head-uncounted.ts";
import { metricStagingMigration } from "./014-metric-staging.ts";
import { rollupMemSumRealMigration } from "./015-rollup-mem-sum-real.ts";
import { logIndexAfterLinesMigration } from "./016-log-index-after-lines.ts";
import { damagedStagingMigration } from "./017-damaged-staging.ts";
import { damagedChunksMigration } from "./018-damaged-chunks.ts";
import { logSeriesIndexInBulkMigration } from "./019-log-series-index-in-bulk.ts";
import { logSearchWordsAsTheMatcherReadsThemMigration } from "./020-log-search-words-as-the-matcher-reads-them.ts";
import { logBytesPerWriteMigration } from "./021-log-bytes-per-write.ts";
import { logSearchWithoutPrefixIndexMigration } from "./022-log-search-without-prefix-index.ts";
import { minuteChunksIndexMigration } from "./023-minute-chunks-index.ts";
import { rollupRowsIndexMigration } from "./024-rollup-rows-index.ts";
import { compactBatchLedgerMigration } from "./025-compact-batch-ledger.ts";

/** In version order. The auth half's users/sessions/audit/enrolment tables are migration 2. */
export const MIGRATIONS: readonly Migration[] = [
  telemetryMigration,
  authMigration,
  logSearchTextMigration,
  loginFailuresMigration,
  auditCategoriesMigration,
  batchIncarnationsMigration,
  logServerTimeMigration,
  containerHistoryMigration,
  compactTelemetryMigration,
  hostLifecycleMigration,
  rollupChunksMigration,
  loginReservationsMigration,
  headUncountedMigration,
  metricStagingMigration,
  rollupMemSumRealMigration,
  logIndexAfterLinesMigration,
  damagedStagingMigration,
  damagedChunksMigration,
  logSeriesIndexInBulkMigration,
  logSearchWordsAsTheMatcherReadsThemMigration,
  logBytesPerWriteMigration,
  logSearchWithoutPrefixIndexMigration,
  minuteChunksIndexMigration,
  rollupRowsIndexMigration,
  compactBatchLedgerMigration,
];
