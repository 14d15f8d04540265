import type { Store } from "../store.ts";
import { DEFAULT_KEEP_MS, TimeWindow } from "../time-window.ts";
import { PgAuditRepository } from "./audit.ts";
import { PgContainerRepository } from "./containers.ts";
import { PgCredentialRotationRepository } from "./credential-rotations.ts";
import { createPool, migrate } from "./database.ts";
import { PgEnrolmentTokenRepository } from "./enrolment-tokens.ts";
import { PgHostCredentialRepository } from "./host-credentials.ts";
import { PgHostRepository } from "./hosts.ts";
import { PgMaintenanceLease } from "./lease.ts";
import { PgLoginFailureRepository } from "./login-failures.ts";
import { PgLogRepository } from "./logs.ts";
import { PgMetricRepository } from "./metrics.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import { DAYS_AHEAD, Partitions } from "./partitions.ts";
import { PgRetentionRepository } from "./retention.ts";
import { SeriesIds } from "./series.ts";
import { PgSessionRepository } from "./sessions.ts";
import { PgSettingsRepository } from "./settings.ts";
import { PgTelemetryWriter } from "./telemetry-writer.ts";
import { PgUserRepository } from "./users.ts";

/**
 * Opens the PostgreSQL store at `url` with a pool of at most `poolSize` connections: brings the
 * schema up to date (once, whichever replicas start together), makes today's partitions and those
 * of the days ahead, and composes the repositories. Rejects when the database cannot be reached or
 * its schema is newer than this server. Any number of replicas may open the same database.
 * `keepMs` is the longest retention, ms: telemetry older than that on arrival is not stored, nor
 * a day's partition made for it (TimeWindow).
 */
export async function openPostgresStore(
  url: string,
  poolSize: number,
  keepMs = DEFAULT_KEEP_MS,
): Promise<Store> {
  const pool = createPool(url, poolSize);
  // An idle pooled client's lost connection is reported on the pool; the next query reconnects.
  pool.on("error", () => undefined);
  const partitions = new Partitions(pool);
  try {
    await migrate(pool, MIGRATIONS);
    await partitions.prepare(Date.now(), DAYS_AHEAD);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const series = new SeriesIds();
  const lease = new PgMaintenanceLease(url);
  let closing: Promise<void> | null = null;
  return {
    users: new PgUserRepository(pool),
    sessions: new PgSessionRepository(pool),
    loginFailures: new PgLoginFailureRepository(pool),
    enrolmentTokens: new PgEnrolmentTokenRepository(pool),
    credentialRotations: new PgCredentialRotationRepository(pool),
    audit: new PgAuditRepository(pool),
    hosts: new PgHostRepository(pool, series),
    hostCredentials: new PgHostCredentialRepository(pool),
    containers: new PgContainerRepository(pool),
    metrics: new PgMetricRepository(pool, series),
    logs: new PgLogRepository(pool, series),
    telemetry: new PgTelemetryWriter(pool, series, partitions, new TimeWindow(keepMs)),
    retention: new PgRetentionRepository(pool, partitions),
    settings: new PgSettingsRepository(pool),
    maintenance: lease,
    async ping() {
      await pool.query("SELECT 1");
    },
    /** Ends the lease session (freeing its leases) and the pool; once, however often called. */
    close() {
      closing ??= lease.close().then(() => pool.end());
      return closing;
    },
  };
}
