import type { Store } from "../store.ts";
import { DEFAULT_KEEP_MS, TimeWindow } from "../time-window.ts";
import { SqliteAuditRepository } from "./audit.ts";
import { openConnection } from "./connection.ts";
import { SqliteContainerRepository } from "./containers.ts";
import { SqliteCredentialRotationRepository } from "./credential-rotations.ts";
import { migrate } from "./database.ts";
import { SqliteEnrolmentTokenRepository } from "./enrolment-tokens.ts";
import { HostAccessStatements } from "./host-access.ts";
import { SqliteHostCredentialRepository } from "./host-credentials.ts";
import { registerHostNameKey } from "./host-name-key.ts";
import { SqliteHostRepository } from "./hosts.ts";
import { SqliteLoginFailureRepository } from "./login-failures.ts";
import { SqliteLogRepository } from "./logs.ts";
import { adoptHeadRows } from "./metric-packer.ts";
import { SqliteMetricRepository } from "./metrics.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import { SqliteRetentionRepository } from "./retention.ts";
import { SeriesIds } from "./series.ts";
import { SqliteSessionRepository } from "./sessions.ts";
import { SqliteSettingsRepository } from "./settings.ts";
import { SqliteTelemetryWriter } from "./telemetry-writer.ts";
import { SqliteUserRepository } from "./users.ts";
import { WorkerTelemetryWriter } from "./worker-telemetry-writer.ts";

/**
 * Opens (creating if needed) the database file (":memory:" for one in memory), brings its schema
 * up to date and composes the repositories. Throws when the file cannot be opened or its schema
 * is newer than this server. Resolves once the telemetry writer's thread has opened its own
 * connection (a file's). Callers outside the store open it through openStore; tests of this
 * backend's own SQL (migrations, pragmas) open the file beside it with their own connection.
 * `keepMs` is the longest retention, ms: telemetry older than that on arrival is not stored (TimeWindow).
 */
export async function openSqliteStore(path: string, keepMs = DEFAULT_KEEP_MS): Promise<Store> {
  const db = openConnection(path);
  try {
    registerHostNameKey(db); // for migration 10
    migrate(db, MIGRATIONS);
    adoptHeadRows(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const access = new HostAccessStatements(db);
  const series = new SeriesIds(db);
  // Telemetry is written on a connection of its own in a worker thread; a database in memory
  // exists on one connection only, so its writes stay on this one (see WorkerTelemetryWriter).
  const telemetry =
    path === ":memory:"
      ? new SqliteTelemetryWriter(db, series, new TimeWindow(keepMs))
      : new WorkerTelemetryWriter(path, keepMs);
  if (telemetry instanceof WorkerTelemetryWriter) {
    try {
      await telemetry.ready;
    } catch (err) {
      db.close();
      throw err;
    }
  }
  return {
    users: new SqliteUserRepository(db),
    sessions: new SqliteSessionRepository(db),
    loginFailures: new SqliteLoginFailureRepository(db),
    enrolmentTokens: new SqliteEnrolmentTokenRepository(db, access),
    credentialRotations: new SqliteCredentialRotationRepository(db, access),
    audit: new SqliteAuditRepository(db),
    hosts: new SqliteHostRepository(db, access, series),
    hostCredentials: new SqliteHostCredentialRepository(db),
    containers: new SqliteContainerRepository(db),
    metrics: new SqliteMetricRepository(db, series),
    logs: new SqliteLogRepository(db, series),
    telemetry,
    retention: new SqliteRetentionRepository(db, (now, limit) => telemetry.packRawMetrics(now, limit)),
    settings: new SqliteSettingsRepository(db),
    // One server process owns a SQLite file: it leads every task.
    maintenance: { tryLead: async () => true },
    async ping() {
      db.prepare("SELECT 1").get();
    },
    async close() {
      if (telemetry instanceof WorkerTelemetryWriter) await telemetry.close();
      db.close();
    },
  };
}
