import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { LOG_LEVELS, type LogLevel } from "./logger.ts";

export type StatsSource = "auto" | "cgroup" | "api" | "api-oneshot";

export interface AgentConfig {
  serverUrl: URL;
  /** The enrolment token or host credential given at start, or null to use the state dir's credential. */
  token: string | null;
  stateDir: string;
  intervalSeconds: number;
  dockerHost: string;
  logRatePerSecond: number;
  outboxBytes: number;
  statsSource: StatsSource;
  caFile: string | null;
  logLevel: LogLevel;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const HELP = `crowsnest-agent: watches the local Docker Engine and reports to a Crowsnest server.

Usage: crowsnest-agent [options]   (each option can also be set by the environment variable shown)

  --server-url URL      CROWSNEST_SERVER_URL    ws:// or wss:// URL of the server, e.g. ws://127.0.0.1:8080/ws/agent
                        CROWSNEST_TOKEN         enrolment token or pre-shared host token
  --token-file FILE     CROWSNEST_TOKEN_FILE    read the token from FILE instead (surrounding whitespace trimmed)
  --token TOKEN                                 the token as a flag: discouraged, every local user sees it in \`ps\`
  --state-dir DIR       CROWSNEST_STATE_DIR     where credential, sequence, outbox and log positions live (./data/agent)
  --interval SECONDS    CROWSNEST_INTERVAL      metrics interval, 1-5 (2)
  --docker-host URL     DOCKER_HOST             unix:///var/run/docker.sock (default) or tcp://host:port
  --log-rate N          CROWSNEST_LOG_RATE      log lines per second per container before dropping (1000)
  --outbox-bytes N      CROWSNEST_OUTBOX_BYTES  unacknowledged data kept before the oldest is dropped (67108864)
  --stats-source S      CROWSNEST_STATS_SOURCE  auto | cgroup | api | api-oneshot (auto: cgroup files when
                                                readable, else the stats API stream; api-oneshot polls it)
  --ca-file FILE        CROWSNEST_CA_FILE       extra CA certificate (PEM) for wss://
  --log-level LEVEL     CROWSNEST_LOG_LEVEL     debug | info | warn | error (info)
  --help                                        show this text
`;

const OPTIONS = {
  "server-url": { type: "string", env: "CROWSNEST_SERVER_URL" },
  token: { type: "string", env: "CROWSNEST_TOKEN" },
  "token-file": { type: "string", env: "CROWSNEST_TOKEN_FILE" },
  "state-dir": { type: "string", env: "CROWSNEST_STATE_DIR" },
  interval: { type: "string", env: "CROWSNEST_INTERVAL" },
  "docker-host": { type: "string", env: "DOCKER_HOST" },
  "log-rate": { type: "string", env: "CROWSNEST_LOG_RATE" },
  "outbox-bytes": { type: "string", env: "CROWSNEST_OUTBOX_BYTES" },
  "stats-source": { type: "string", env: "CROWSNEST_STATS_SOURCE" },
  "ca-file": { type: "string", env: "CROWSNEST_CA_FILE" },
  "log-level": { type: "string", env: "CROWSNEST_LOG_LEVEL" },
} as const;
type OptionName = keyof typeof OPTIONS;

export type ParsedArgs = { help: true } | { help: false; config: AgentConfig };

/** Flags win over the environment; every value is checked here so the rest of the agent can trust it. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: "string" as const }])),
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (values.help === true) return { help: true };

  const fromFlag = (name: OptionName): string | undefined => nonEmpty(values[name]);
  const fromEnv = (name: OptionName): string | undefined => nonEmpty(env[OPTIONS[name].env]);
  const get = (name: OptionName): string | undefined => fromFlag(name) ?? fromEnv(name);

  return {
    help: false,
    config: {
      serverUrl: parseServerUrl(get("server-url")),
      token: readToken(fromFlag, fromEnv),
      stateDir: get("state-dir") ?? "./data/agent",
      intervalSeconds: parseInteger("interval", get("interval"), 2, 1, 5),
      dockerHost: get("docker-host") ?? "unix:///var/run/docker.sock",
      logRatePerSecond: parseInteger("log-rate", get("log-rate"), 1000, 1, 1_000_000),
      outboxBytes: parseInteger("outbox-bytes", get("outbox-bytes"), 64 * 1024 * 1024, 1024 * 1024, 2 ** 40),
      statsSource: parseChoice(
        "stats-source",
        get("stats-source"),
        ["auto", "cgroup", "api", "api-oneshot"] as const,
        "auto",
      ),
      caFile: get("ca-file") ?? null,
      logLevel: parseChoice("log-level", get("log-level"), LOG_LEVELS, "info"),
    },
  };
}

function nonEmpty(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The token from one place, or null when none is given: flags win over the environment, and a
 * token and a token file on the same level are refused as ambiguous. The flag form is discouraged
 * (argv is world-readable in /proc); the environment and a file are not.
 */
function readToken(
  fromFlag: (name: OptionName) => string | undefined,
  fromEnv: (name: OptionName) => string | undefined,
): string | null {
  const levels = [
    {
      token: fromFlag("token"),
      file: fromFlag("token-file"),
      tokenName: "--token",
      fileName: "--token-file",
    },
    {
      token: fromEnv("token"),
      file: fromEnv("token-file"),
      tokenName: OPTIONS.token.env,
      fileName: OPTIONS["token-file"].env,
    },
  ];
  for (const { token, file, tokenName, fileName } of levels) {
    if (token !== undefined && file !== undefined) {
      throw new ConfigError(`${tokenName} and ${fileName} are both set: give the token one way`);
    }
    if (token !== undefined) return token;
    if (file !== undefined) return readTokenFile(fileName, file);
  }
  return null;
}

/** The token in a file, trimmed; refuses a file that cannot be read or holds only whitespace. */
function readTokenFile(option: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${option}: cannot read the token file ${path}: ${(err as Error).message}`);
  }
  const token = text.trim();
  if (token === "") throw new ConfigError(`${option}: the token file ${path} is empty`);
  return token;
}

function parseServerUrl(value: string | undefined): URL {
  if (value === undefined) throw new ConfigError("--server-url (or CROWSNEST_SERVER_URL) is required");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--server-url: not a URL: ${value}`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new ConfigError(`--server-url must start with ws:// or wss://, got ${url.protocol}//`);
  }
  return url;
}

function parseInteger(name: string, value: string | undefined, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(`--${name}: expected a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`--${name}: must be between ${min} and ${max}, got ${n}`);
  return n;
}

function parseChoice<T extends string>(
  name: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  const choice = choices.find((c) => c === value);
  if (choice === undefined) throw new ConfigError(`--${name}: must be one of ${choices.join(", ")}`);
  return choice;
}
