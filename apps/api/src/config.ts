import { isIP } from "node:net";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type AuthConfig, loadAuthConfig } from "./auth/auth-config.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface RetentionConfig {
  rawMetricsMs: number;
  rollupMetricsMs: number;
  logsMs: number;
  logBytesPerHost: number;
  /** Seen (host, seq) pairs are kept this long so that a late resend is still recognised. */
  batchLedgerMs: number;
  intervalMs: number;
  /** Rows deleted per statement, so that a sweep never holds the database for long. */
  batchRows: number;
}

export interface LiveConfig {
  /** Above this many bytes queued on a browser socket, metrics coalesce and log lines are dropped. */
  bufferedBytesThreshold: number;
  /** A socket that stays above the threshold this long is closed. */
  stuckMs: number;
  /** How often open sockets' sessions are checked again: one that ended or expired closes (4003). */
  sessionCheckMs: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The URL browsers use; the auth half checks `Origin` against it. Null: the request's own host. */
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
  heartbeatMs: number;
  commandTimeoutMs: number;
  retention: RetentionConfig;
  live: LiveConfig;
  auth: AuthConfig;
}

/** Parses flags (which win) and CROWSNEST_* environment variables once, at start-up. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      "public-url": { type: "string" },
      "trusted-proxies": { type: "string" },
      "web-dir": { type: "string" },
      "web-dev": { type: "boolean" },
    },
    strict: true,
  });
  const pick = (flag: string | undefined, name: string): string | undefined => flag ?? nonEmpty(env[name]);
  const int = (name: string, fallback: number, min: number): number =>
    integer(name, pick(undefined, name), fallback, min);
  return {
    port: integer("--port / CROWSNEST_PORT", pick(values.port, "CROWSNEST_PORT"), 8080, 0, 65_535),
    host: pick(values.host, "CROWSNEST_HOST") ?? "0.0.0.0",
    dataDir: resolve(pick(values["data-dir"], "CROWSNEST_DATA_DIR") ?? "./data"),
    publicUrl: httpUrl(
      "--public-url / CROWSNEST_PUBLIC_URL",
      pick(values["public-url"], "CROWSNEST_PUBLIC_URL"),
    ),
    trustedProxies: addressList(
      "--trusted-proxies / CROWSNEST_TRUSTED_PROXIES",
      pick(values["trusted-proxies"], "CROWSNEST_TRUSTED_PROXIES"),
    ),
    webDir: optionalPath(pick(values["web-dir"], "CROWSNEST_WEB_DIR")),
    webDev: values["web-dev"] === true || env.CROWSNEST_WEB_DEV === "1",
    heartbeatMs: int("CROWSNEST_HEARTBEAT_MS", 15_000, 100),
    commandTimeoutMs: int("CROWSNEST_COMMAND_TIMEOUT_MS", 30_000, 100),
    retention: {
      rawMetricsMs: int("CROWSNEST_RETENTION_RAW_MS", DAY, MINUTE),
      rollupMetricsMs: int("CROWSNEST_RETENTION_ROLLUP_MS", 30 * DAY, MINUTE),
      logsMs: int("CROWSNEST_RETENTION_LOGS_MS", 7 * DAY, MINUTE),
      logBytesPerHost: int("CROWSNEST_RETENTION_LOG_BYTES_PER_HOST", 1024 * 1024 * 1024, 1024),
      batchLedgerMs: int("CROWSNEST_RETENTION_BATCH_LEDGER_MS", 7 * DAY, MINUTE),
      intervalMs: int("CROWSNEST_RETENTION_INTERVAL_MS", MINUTE, 100),
      batchRows: int("CROWSNEST_RETENTION_BATCH_ROWS", 2_000, 1),
    },
    live: {
      bufferedBytesThreshold: int("CROWSNEST_LIVE_BUFFER_BYTES", 1024 * 1024, 1024),
      stuckMs: int("CROWSNEST_LIVE_STUCK_MS", 30_000, 100),
      sessionCheckMs: int("CROWSNEST_LIVE_SESSION_CHECK_MS", 5_000, 100),
    },
    auth: loadAuthConfig(env, int),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Checked at start, so that a typo is reported here and not as a failed Origin check on every request. */
function httpUrl(name: string, raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const url = URL.parse(raw);
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new Error(`${name} must be an http:// or https:// URL, got "${raw}"`);
  }
  return raw;
}

/** A comma-separated list of IP addresses and CIDR ranges; anything else is refused at start. */
function addressList(name: string, raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw.split(",").map((entry) => {
    const trimmed = entry.trim();
    const [address = "", bits, ...rest] = trimmed.split("/");
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !bitsOk || rest.length > 0) {
      throw new Error(`${name} must list IP addresses or CIDR ranges separated by commas, got "${trimmed}"`);
    }
    return trimmed;
  });
}

function optionalPath(value: string | undefined): string | null {
  return value === undefined ? null : resolve(value);
}

function integer(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max = 2 ** 52,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
