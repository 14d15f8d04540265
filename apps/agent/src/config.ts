import { readFileSync } from "node:fs";
import {
  ConfigError,
  helpText,
  integer,
  type LogFormat,
  logFormatSetting,
  oneOf,
  parseSettings,
  type SettingSource,
  setting,
  text,
  url,
} from "@crowsnest/protocol/settings";
import { LOG_LEVELS, type LogLevel } from "./logger.ts";

export { ConfigError };

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
  /** Readable log lines or JSON ones (readableLogs). */
  logFormat: LogFormat;
}

/** crowsnest-agent's settings: parsing, refusals, `--help` and the README's table derive from it. */
export const AGENT_SETTINGS = {
  serverUrl: setting({
    flag: "server-url",
    env: "CROWSNEST_SERVER_URL",
    help: "the server's agent endpoint, e.g. ws://127.0.0.1:8080/ws/agent",
    kind: url(["ws", "wss"]),
    required: true,
  }),
  token: setting({
    flag: "token",
    env: "CROWSNEST_TOKEN",
    help: "enrolment token or host credential; give it in the variable, since every local user sees a flag in `ps`",
    kind: text("TOKEN"),
    secret: true,
    default: null,
    defaultText: "the state directory's credential",
  }),
  tokenFile: setting({
    flag: "token-file",
    env: "CROWSNEST_TOKEN_FILE",
    help: "read the token from this file instead (surrounding whitespace trimmed)",
    kind: text("FILE"),
    default: null,
  }),
  stateDir: setting({
    flag: "state-dir",
    env: "CROWSNEST_STATE_DIR",
    help: "where the credential, sequence, outbox and log positions live",
    kind: text("DIR"),
    default: "./data/agent",
  }),
  interval: setting({
    flag: "interval",
    env: "CROWSNEST_INTERVAL",
    help: "metrics interval",
    kind: integer(1, 5, "s"),
    default: 2,
  }),
  dockerHost: setting({
    flag: "docker-host",
    env: "DOCKER_HOST",
    help: "the Docker Engine: unix:///path/to/docker.sock or tcp://host:port",
    kind: text("URL"),
    default: "unix:///var/run/docker.sock",
  }),
  logRate: setting({
    flag: "log-rate",
    env: "CROWSNEST_LOG_RATE",
    help: "log lines read per second per container; a faster container is read more slowly",
    kind: integer(1, 1_000_000, "lines/s"),
    default: 1000,
  }),
  outboxBytes: setting({
    flag: "outbox-bytes",
    env: "CROWSNEST_OUTBOX_BYTES",
    help: "unacknowledged data kept before the oldest is dropped (and the gap reported)",
    kind: integer(1024 * 1024, 2 ** 40, "bytes"),
    default: 64 * 1024 * 1024,
  }),
  statsSource: setting({
    flag: "stats-source",
    env: "CROWSNEST_STATS_SOURCE",
    help: "auto: cgroup files when readable, else the stats API stream; api-oneshot polls the stats API",
    kind: oneOf(["auto", "cgroup", "api", "api-oneshot"], "SOURCE"),
    default: "auto",
  }),
  caFile: setting({
    flag: "ca-file",
    env: "CROWSNEST_CA_FILE",
    help: "an extra CA certificate (PEM) for wss://",
    kind: text("FILE"),
    default: null,
  }),
  logLevel: setting({
    flag: "log-level",
    env: "CROWSNEST_LOG_LEVEL",
    help: "the least severe log line written",
    kind: oneOf(LOG_LEVELS, "LEVEL"),
    default: "info",
  }),
  logFormat: logFormatSetting(),
};

/** `crowsnest-agent --help`. */
export const HELP = helpText(
  "crowsnest-agent: watches the local Docker Engine and reports to a Crowsnest server.\n\nUsage: crowsnest-agent [options]   (each setting also from its environment variable; a flag wins)",
  AGENT_SETTINGS,
);

/**
 * Flags win over the environment; every value is checked here so the rest of the agent can trust
 * it. Throws a one-line ConfigError for a bad value and HelpRequested for `--help` (see loadOrExit).
 */
export function loadAgentConfig(argv: readonly string[], env: NodeJS.ProcessEnv): AgentConfig {
  const { values: v, sources } = parseSettings(AGENT_SETTINGS, argv, env);
  return {
    serverUrl: new URL(v.serverUrl),
    token: readToken(
      { value: v.token, source: sources.token },
      { value: v.tokenFile, source: sources.tokenFile },
    ),
    stateDir: v.stateDir,
    intervalSeconds: v.interval,
    dockerHost: v.dockerHost,
    logRatePerSecond: v.logRate,
    outboxBytes: v.outboxBytes,
    statsSource: v.statsSource,
    caFile: v.caFile,
    logLevel: v.logLevel,
    logFormat: v.logFormat,
  };
}

interface Given {
  value: string | null;
  source: SettingSource;
}

/**
 * The token from one place, or null when none is given: a flag wins over the environment, and a
 * token and a token file given the same way are refused as ambiguous.
 */
function readToken(token: Given, file: Given): string | null {
  const option = (name: "token" | "tokenFile", source: SettingSource): string => {
    const s = AGENT_SETTINGS[name];
    return (source === "flag" ? `--${s.flag}` : s.env) ?? name;
  };
  if (token.value !== null && file.value !== null && token.source === file.source) {
    throw new ConfigError(
      `${option("token", token.source)} and ${option("tokenFile", file.source)} are both set: give the token one way`,
    );
  }
  if (file.value !== null && (token.value === null || file.source === "flag")) {
    return readTokenFile(option("tokenFile", file.source), file.value);
  }
  return token.value;
}

/** The token in a file, trimmed; refuses a file that cannot be read or holds only whitespace. */
function readTokenFile(option: string, path: string): string {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${option}: cannot read the token file ${path}: ${(err as Error).message}`);
  }
  const token = content.trim();
  if (token === "") throw new ConfigError(`${option}: the token file ${path} is empty`);
  return token;
}
