import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const ROOT = resolve(import.meta.dirname, "..", "..");
/** The pinned Node.js 24 that runs the tests also runs the processes under test. */
const NODE = process.execPath;

/** A free loopback port, for a process that must be restarted on the same address. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export async function waitFor<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const description = typeof what === "string" ? what : what();
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${description}${lastError ? `\nlast error: ${lastError}` : ""}`,
  );
}

/** A child process whose recent output is kept, so that a failing test can show it. */
export class ManagedProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  #output = "";
  readonly exited: Promise<number | null>;

  constructor(name: string, args: string[], env: NodeJS.ProcessEnv) {
    this.name = name;
    this.#child = spawn(NODE, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: "pipe" });
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString("utf8")).slice(-64 * 1024);
    };
    this.#child.stdout?.on("data", keep);
    this.#child.stderr?.on("data", keep);
    this.exited = new Promise((r) => this.#child.once("exit", (code) => r(code)));
  }

  get output(): string {
    return this.#output;
  }

  get pid(): number {
    if (this.#child.pid === undefined) throw new Error(`${this.name} has no pid`);
    return this.#child.pid;
  }

  /** Resident memory of the process now, from /proc. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    if (kib === undefined) throw new Error(`no VmRSS for ${this.name}`);
    return Number(kib) * 1024;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Sends the signal and waits for the process to be gone. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.running) return;
    this.#child.kill(signal);
    await this.exited;
  }
}

export interface ServerOptions {
  dataDir: string;
  port?: number;
  adminPassword?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * The server's entry file from the repository's root: its TypeScript source, as `npm start` runs
   * it (the default), or the production start's bundle (scripts/build-server.ts's SERVER_BUNDLE,
   * built beforehand), which loads no type stripping.
   */
  entry?: string;
}

/** The server's entry as `npm start` runs it. */
const SOURCE_ENTRY = "apps/api/src/main.ts";

export const ADMIN_PASSWORD = "admin-password-for-tests";

/** A real crowsnest-server process on loopback. */
export class ServerProcess {
  readonly options: Required<Omit<ServerOptions, "env">> & { env: NodeJS.ProcessEnv };
  process: ManagedProcess;

  private constructor(options: ServerProcess["options"], process: ManagedProcess) {
    this.options = options;
    this.process = process;
  }

  static async start(options: ServerOptions): Promise<ServerProcess> {
    const full = {
      dataDir: options.dataDir,
      port: options.port ?? (await freePort()),
      adminPassword: options.adminPassword ?? ADMIN_PASSWORD,
      env: options.env ?? {},
      entry: options.entry ?? SOURCE_ENTRY,
    };
    const server = new ServerProcess(full, ServerProcess.#spawn(full));
    await server.ready();
    return server;
  }

  static #spawn(options: ServerProcess["options"]): ManagedProcess {
    return new ManagedProcess("crowsnest-server", [options.entry], {
      CROWSNEST_PORT: String(options.port),
      CROWSNEST_HOST: "127.0.0.1",
      CROWSNEST_DATA_DIR: options.dataDir,
      CROWSNEST_ADMIN_PASSWORD: options.adminPassword,
      CROWSNEST_LOG_LEVEL: "warn",
      ...options.env,
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get agentUrl(): string {
    return `ws://127.0.0.1:${this.options.port}/ws/agent`;
  }

  async ready(): Promise<void> {
    await waitFor(
      () => `crowsnest-server on ${this.baseUrl}\n${this.process.output}`,
      async () => {
        if (!this.process.running) throw new Error(`server exited:\n${this.process.output}`);
        const res = await fetch(`${this.baseUrl}/api/health`);
        return res.status === 200;
      },
    );
  }

  /** Starts it again on the same port and data directory, after a kill. */
  async restart(): Promise<void> {
    await this.process.kill("SIGTERM");
    this.process = ServerProcess.#spawn(this.options);
    await this.ready();
  }

  async stop(): Promise<void> {
    await this.process.kill("SIGTERM");
  }

  /** Runs the server's CLI against the same data directory and database, with nothing on standard input. */
  async cli(...args: string[]): Promise<string> {
    const run = execFileAsync(
      NODE,
      ["apps/api/src/cli/main.ts", ...args, "--data-dir", this.options.dataDir],
      {
        cwd: ROOT,
        env: { ...process.env, ...this.options.env, CROWSNEST_PORT: String(this.options.port) },
      },
    );
    run.child.stdin?.end();
    const { stdout } = await run;
    return stdout;
  }

  /** Creates a host and returns its id and pre-shared credential. */
  async addHost(name: string): Promise<{ hostId: string; token: string }> {
    return JSON.parse(await this.cli("host", "add", name, "--json")) as { hostId: string; token: string };
  }
}

export interface AgentOptions {
  serverUrl: string;
  token: string;
  stateDir: string;
  intervalSeconds?: number;
  args?: string[];
  /** More environment for the agent process (e.g. LD_PRELOAD of libfaketime). */
  env?: NodeJS.ProcessEnv;
  /** What runs: its .ts entry by default, or a built agent (scripts/build-agent.ts's AGENT_BUNDLE). */
  entry?: string;
}

/** A real crowsnest-agent process. */
export function startAgent(options: AgentOptions): ManagedProcess {
  return new ManagedProcess(
    "crowsnest-agent",
    [
      options.entry ?? "apps/agent/src/main.ts",
      "--server-url",
      options.serverUrl,
      "--state-dir",
      options.stateDir,
      "--interval",
      String(options.intervalSeconds ?? 1),
      "--log-level",
      "warn",
      ...(options.args ?? []),
    ],
    // The token in the environment, as the server's printed command passes it: never in argv.
    { ...options.env, CROWSNEST_TOKEN: options.token },
  );
}

export function dataPath(base: string, ...parts: string[]): string {
  return join(base, ...parts);
}
