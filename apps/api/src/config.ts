import { resolve } from "node:path";
import {
  addressList,
  helpText,
  integer,
  type Kind,
  type LogFormat,
  logFormatSetting,
  oneOf,
  onOff,
  parseSettings,
  serviceUrl,
  setting,
  text,
  url,
} from "@crowsnest/protocol/settings";
import { z } from "zod";
import { AUTH_SETTINGS, type AuthConfig, authConfig } from "./auth/auth-config.ts";
import type { RetentionConfig } from "./retention/retention.ts";
import {
  DATABASE_URL_FORMS,
  type DatabaseLocation,
  defaultDatabase,
  parseDatabaseUrl,
  showDatabase,
} from "./store/database-url.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface LiveConfig {
  /** Above this many bytes queued on a browser socket, metrics coalesce and log lines are dropped. */
  bufferedBytesThreshold: number;
  /** A socket that stays above the threshold this long is closed. */
  stuckMs: number;
  /** How often open sockets' sessions are checked again: one that ended or expired closes (4003). */
  sessionCheckMs: number;
}

/** Fastify's (pino's) log levels. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Which backend holds the store, and where (openStore): by default SQLite's file in `dataDir`. */
  database: DatabaseLocation;
  /** The NATS server the replicas share (nats:// or tls://); null: one server, nothing shared. */
  natsUrl: string | null;
  /** The URL browsers use; their `Origin` is checked against it. Null: the request's own host. */
  publicUrl: string | null;
  /**
   * Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed. Empty: the
   * socket's peer is the client, so a spoofed header cannot dodge the login throttle or the audit.
   */
  trustedProxies: string[];
  /** A `next build` output to serve at `/`; null when there is none. */
  webDir: string | null;
  /** Serve the dashboard with Next's development server (compiles on demand, hot reload). */
  webDev: boolean;
  logLevel: LogLevel;
  /** Readable log lines or JSON ones (readableLogs). */
  logFormat: LogFormat;
  heartbeatMs: number;
  commandTimeoutMs: number;
  /** Rows from agents waiting for storage above which no agent socket is read (WriteQueue). */
  ingestBacklogRows: number;
  retention: RetentionConfig;
  live: LiveConfig;
  auth: AuthConfig;
}

const ms = (min: number) => integer(min, undefined, "ms");

/** A database URL whose scheme names a backend this server has; any other is refused at start. */
const databaseUrl: Kind<DatabaseLocation> = {
  schema: z.string().transform((raw, ctx) => {
    const location = parseDatabaseUrl(raw);
    if (location !== null) return location;
    ctx.addIssue({ code: "custom", message: "no backend for this scheme" });
    return z.NEVER;
  }),
  allowed: DATABASE_URL_FORMS,
  placeholder: "URL",
  show: showDatabase,
};

/** crowsnest-server's settings: parsing, refusals, `--help` and the README's table derive from it. */
export const SERVER_SETTINGS = {
  port: setting({
    flag: "port",
    env: "CROWSNEST_PORT",
    help: "the port of the dashboard, the API and both WebSocket endpoints",
    kind: integer(0, 65_535),
    default: 8080,
  }),
  host: setting({
    flag: "host",
    env: "CROWSNEST_HOST",
    help: "the address to listen on: 0.0.0.0 is every interface, 127.0.0.1 this machine only",
    kind: text("ADDRESS"),
    default: "0.0.0.0",
  }),
  dataDir: setting({
    flag: "data-dir",
    env: "CROWSNEST_DATA_DIR",
    help: "where the SQLite store lives",
    kind: text("DIR"),
    default: "./data",
  }),
  databaseUrl: setting({
    flag: "database-url",
    env: "CROWSNEST_DATABASE_URL",
    help: "the store's database: a SQLite file, or a PostgreSQL database that replicas share",
    kind: databaseUrl,
    // A PostgreSQL URL will carry a password: a refusal never repeats the value.
    secret: true,
    default: null,
    defaultText: "crowsnest.db in the data directory",
  }),
  natsUrl: setting({
    flag: "nats-url",
    env: "CROWSNEST_NATS_URL",
    help: "join the replicas sharing this NATS server (live views, commands, presence and sign-outs across replicas)",
    kind: serviceUrl(["nats", "tls"], "nats://127.0.0.1:4222"),
    // It may carry a user and password: a refusal never repeats the value.
    secret: true,
    default: null,
    defaultText: "none: one server on its own",
  }),
  publicUrl: setting({
    flag: "public-url",
    env: "CROWSNEST_PUBLIC_URL",
    help: "the origin browsers use (behind a TLS proxy, its https:// URL); /ws/live refuses any other",
    kind: url(["http", "https"]),
    default: null,
    defaultText: "the request's own host",
  }),
  trustedProxies: setting({
    flag: "trusted-proxies",
    env: "CROWSNEST_TRUSTED_PROXIES",
    help: "reverse proxies whose X-Forwarded-For the login throttle and the audit log believe",
    kind: addressList(),
    default: [],
    defaultText: "none",
  }),
  webDir: setting({
    flag: "web-dir",
    env: "CROWSNEST_WEB_DIR",
    help: "a `next build` of the dashboard to serve at / (npm start sets it)",
    kind: text("DIR"),
    default: null,
  }),
  webDev: setting({
    flag: "web-dev",
    env: "CROWSNEST_WEB_DEV",
    help: "serve the dashboard with Next's development server",
    kind: onOff(),
    default: false,
  }),
  logLevel: setting({
    flag: "log-level",
    env: "CROWSNEST_LOG_LEVEL",
    help: "the least severe log line written",
    kind: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "LEVEL"),
    default: "info",
  }),
  logFormat: logFormatSetting(),
  heartbeatMs: setting({
    env: "CROWSNEST_HEARTBEAT_MS",
    help: "ping interval on agent and browser sockets; one whose ping waits unanswered (no pong, no frame) for an interval and a half of the time it is read is dropped",
    kind: ms(100),
    default: 15_000,
  }),
  commandTimeoutMs: setting({
    env: "CROWSNEST_COMMAND_TIMEOUT_MS",
    help: "how long an action waits for the agent's answer",
    kind: ms(100),
    default: 30_000,
  }),
  ingestBacklogRows: setting({
    env: "CROWSNEST_INGEST_BACKLOG_ROWS",
    help: "rows from agents waiting for storage (a sample counts 2, a log line 1 per 256 characters begun) above which the server reads no agent socket until half are stored: bounds its memory when the store falls behind",
    kind: integer(1_000),
    default: 100_000,
  }),
  rawMetricsMs: setting({
    env: "CROWSNEST_RETENTION_RAW_MS",
    help: "how long raw metric samples are kept",
    kind: ms(MINUTE),
    default: DAY,
  }),
  rollupMetricsMs: setting({
    env: "CROWSNEST_RETENTION_ROLLUP_MS",
    help: "how long 1-minute metric rollups are kept",
    kind: ms(MINUTE),
    default: 30 * DAY,
  }),
  logsMs: setting({
    env: "CROWSNEST_RETENTION_LOGS_MS",
    help: "how long log lines are kept",
    kind: ms(MINUTE),
    default: 7 * DAY,
  }),
  logBytesPerHost: setting({
    env: "CROWSNEST_RETENTION_LOG_BYTES_PER_HOST",
    help: "log bytes kept per host; the oldest go first",
    kind: integer(1024, undefined, "bytes"),
    default: 1024 ** 3,
  }),
  batchLedgerMs: setting({
    env: "CROWSNEST_RETENTION_BATCH_LEDGER_MS",
    help: "how long stored batch numbers are remembered at least, so a late resend is still recognised",
    kind: ms(MINUTE),
    default: 7 * DAY,
  }),
  retentionIntervalMs: setting({
    env: "CROWSNEST_RETENTION_INTERVAL_MS",
    help: "how often retention runs",
    kind: ms(100),
    default: MINUTE,
  }),
  retentionBatchRows: setting({
    env: "CROWSNEST_RETENTION_BATCH_ROWS",
    help: "rows deleted per statement by retention",
    kind: integer(1),
    default: 2_000,
  }),
  liveBufferBytes: setting({
    env: "CROWSNEST_LIVE_BUFFER_BYTES",
    help: "bytes queued on a browser socket above which metrics coalesce and log lines are dropped",
    kind: integer(1024, undefined, "bytes"),
    default: 1024 * 1024,
  }),
  liveStuckMs: setting({
    env: "CROWSNEST_LIVE_STUCK_MS",
    help: "a browser socket congested this long is closed",
    kind: ms(100),
    default: 30_000,
  }),
  liveSessionCheckMs: setting({
    env: "CROWSNEST_LIVE_SESSION_CHECK_MS",
    help: "how often open browser sockets' sessions are checked again",
    kind: ms(100),
    default: 5_000,
  }),
  ...AUTH_SETTINGS,
};

/** `crowsnest-server --help`. */
export const SERVER_HELP = helpText(
  "crowsnest-server: the Crowsnest dashboard, API and agent endpoint on one port.\n\nUsage: crowsnest-server [options]   (each setting also from its environment variable; a flag wins)",
  SERVER_SETTINGS,
);

/**
 * Parses flags (which win) and CROWSNEST_* environment variables once, at start-up. Throws a
 * one-line ConfigError for a bad value and HelpRequested for `--help` (see loadOrExit).
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const { values: v } = parseSettings(SERVER_SETTINGS, argv, env);
  return {
    port: v.port,
    host: v.host,
    dataDir: resolve(v.dataDir),
    database: v.databaseUrl ?? defaultDatabase(resolve(v.dataDir)),
    natsUrl: v.natsUrl,
    publicUrl: v.publicUrl,
    trustedProxies: v.trustedProxies,
    webDir: v.webDir === null ? null : resolve(v.webDir),
    webDev: v.webDev,
    logLevel: v.logLevel,
    logFormat: v.logFormat,
    heartbeatMs: v.heartbeatMs,
    commandTimeoutMs: v.commandTimeoutMs,
    ingestBacklogRows: v.ingestBacklogRows,
    retention: {
      rawMetricsMs: v.rawMetricsMs,
      rollupMetricsMs: v.rollupMetricsMs,
      logsMs: v.logsMs,
      logBytesPerHost: v.logBytesPerHost,
      batchLedgerMs: v.batchLedgerMs,
      intervalMs: v.retentionIntervalMs,
      batchRows: v.retentionBatchRows,
    },
    live: {
      bufferedBytesThreshold: v.liveBufferBytes,
      stuckMs: v.liveStuckMs,
      sessionCheckMs: v.liveSessionCheckMs,
    },
    auth: authConfig(v),
  };
}
