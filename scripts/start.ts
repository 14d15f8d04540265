/**
 * `npm start`: the whole product on this machine with the embedded defaults — the dashboard
 * (built when missing or stale), crowsnest-server on SQLite, and a local crowsnest-agent for
 * this machine's Docker Engine when its socket answers.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { request } from "node:http";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { helpText, loadOrExit, parseSettings } from "@crowsnest/protocol/settings";
import { SERVER_SETTINGS } from "../apps/api/src/config.ts";
import { listenNotice } from "../apps/api/src/listen-notice.ts";
import { buildDashboardIfStale, WEB_DIR } from "./dashboard-build.ts";

/** What `npm start` itself reads: the server's own rows, passed on to it. */
const START_SETTINGS = {
  port: SERVER_SETTINGS.port,
  host: SERVER_SETTINGS.host,
  dataDir: SERVER_SETTINGS.dataDir,
};
const START_HELP = helpText(
  "npm start: the dashboard, crowsnest-server and a local agent on this machine.\n\nUsage: npm start -- [options]   (each setting also from its environment variable; every other server setting is passed on from the environment)",
  START_SETTINGS,
);

const root = resolve(import.meta.dirname, "..");
const settings = loadOrExit(
  "npm start",
  START_HELP,
  () => parseSettings(START_SETTINGS, process.argv.slice(2), process.env).values,
);
const { port, host } = settings;
const dataDir = resolve(settings.dataDir);
const notice = listenNotice(host, port);
const agentStateDir = join(dataDir, "local-agent");
const node = process.execPath;

const children: ChildProcess[] = [];

function say(message: string): void {
  process.stdout.write(`[crowsnest] ${message}\n`);
}

function run(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(node, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  children.push(child);
  child.on("exit", (code, signal) => {
    say(`${name} exited (${signal ?? code})`);
    stopAll(code ?? 1);
  });
  return child;
}

let stopping = false;
function stopAll(exitCode: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(exitCode), 10_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null))).then(
    () => process.exit(exitCode),
    () => process.exit(1),
  );
}

function httpStatus(options: { socketPath?: string; port?: number; path: string }): Promise<number> {
  return new Promise((resolveStatus) => {
    const req = request({ ...options, host: notice.localAddress, timeout: 2_000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    req.on("error", () => resolveStatus(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

async function waitForServer(): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    if ((await httpStatus({ port, path: "/api/health" })) === 200) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the server did not answer on port ${port} within 60 s`);
}

function dockerSocketPath(): string | null {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost === undefined || dockerHost === "") return "/var/run/docker.sock";
  return dockerHost.startsWith("unix://") ? dockerHost.slice("unix://".length) : null;
}

/** The local agent keeps its credential in its state dir; only its first start needs an enrolment token. */
function localAgentToken(): string | null {
  if (existsSync(join(agentStateDir, "credential"))) return null;
  const out = execFileSync(
    node,
    ["apps/api/src/cli/main.ts", "host", "enrol", hostname(), "--json", "--data-dir", dataDir],
    { cwd: root, encoding: "utf8", env: { ...process.env, CROWSNEST_PORT: String(port) } },
  );
  return (JSON.parse(out) as { token: string }).token;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stopAll(0));

mkdirSync(dataDir, { recursive: true });
buildDashboardIfStale(say);
run("crowsnest-server", ["apps/api/src/main.ts"], {
  CROWSNEST_PORT: String(port),
  CROWSNEST_HOST: host,
  CROWSNEST_DATA_DIR: dataDir,
  CROWSNEST_WEB_DIR: WEB_DIR,
});
await waitForServer();
// The server printed where it listens and, beyond loopback, how to put TLS in front: see above.
say(`dashboard: ${notice.url}`);

const socketPath = dockerSocketPath();
const dockerAnswers = socketPath !== null && (await httpStatus({ socketPath, path: "/_ping" })) === 200;
if (dockerAnswers || (socketPath === null && process.env.DOCKER_HOST)) {
  mkdirSync(agentStateDir, { recursive: true });
  const token = localAgentToken();
  // The token in the agent's environment: argv is visible to every local user in `ps`.
  run(
    "crowsnest-agent",
    ["apps/agent/src/main.ts", "--server-url", notice.localAgentUrl, "--state-dir", agentStateDir],
    token === null ? {} : { CROWSNEST_TOKEN: token },
  );
  say(`local agent started for this machine's Docker Engine (state: ${agentStateDir})`);
} else {
  say("no Docker Engine answers on this machine: the server runs without a local agent");
}
