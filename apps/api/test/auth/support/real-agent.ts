import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../../../../..");
const AGENT_MAIN = join(REPO, "apps/agent/src/main.ts");

/**
 * How a test hands the agent its token: in CROWSNEST_TOKEN (the form the server prints), in a file
 * named by --token-file, or nowhere (null token: the state dir's saved credential).
 */
export type TokenVia = "env" | "file";

/** The real crowsnest-agent, as a child process on Node 24, pointed at a test server. */
export class RealAgent {
  readonly stateDir: string;
  readonly #child: ChildProcess;
  /** Started in its own process group (a shell and what it runs), which stop() signals as a whole. */
  readonly #group: boolean;
  #output = "";

  private constructor(child: ChildProcess, stateDir: string, group = false) {
    this.#child = child;
    this.stateDir = stateDir;
    this.#group = group;
    child.stdout?.on("data", (chunk: Buffer) => {
      this.#output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#output += chunk.toString();
    });
  }

  /** The agent with the token in its environment (the default) or in a 0600 file in its state dir. */
  static start(wsBaseUrl: string, token: string | null, stateDir?: string, via: TokenVia = "env"): RealAgent {
    const dir = stateDir ?? mkdtempSync(join(tmpdir(), "crowsnest-auth-agent-"));
    const args = [AGENT_MAIN, "--server-url", `${wsBaseUrl}/ws/agent`, "--state-dir", dir, "--interval", "1"];
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CROWSNEST_TOKEN;
    delete env.CROWSNEST_TOKEN_FILE;
    if (token !== null && via === "env") env.CROWSNEST_TOKEN = token;
    if (token !== null && via === "file") {
      const file = join(dir, "enrolment-token");
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      args.push("--token-file", file);
    }
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    return new RealAgent(child, dir);
  }

  /**
   * A shell command line as an admin would paste it (e.g. the printed agent command): typed into
   * `sh` on its stdin, so that only what the command itself starts carries it in argv (`sh -c` would
   * put it there); in the repository root, in its own process group. `stateDir` is where that
   * command keeps state.
   */
  static runCommand(command: string, stateDir: string): RealAgent {
    const child = spawn("sh", [], { cwd: REPO, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin?.end(`${command}\n`);
    return new RealAgent(child, stateDir, true);
  }

  /** The argv (NUL-separated in /proc, joined by spaces here) of this process and every descendant. */
  commandLines(): string[] {
    const parents = new Map<number, number>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // The field after the parenthesised name, which may itself hold spaces: state, then ppid.
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        // the process ended while the list was read
      }
    }
    const tree = [this.#child.pid ?? -1];
    for (let i = 0; i < tree.length; i++) {
      for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
    }
    return tree.flatMap((pid) => {
      try {
        return [readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()];
      } catch {
        return [];
      }
    });
  }

  get output(): string {
    return this.#output;
  }

  /** waitFor, with the agent's own output in the error when it times out: that is where the cause is. */
  async until<T>(
    what: string,
    check: () => Promise<T | undefined | false> | T | undefined | false,
  ): Promise<T> {
    try {
      return await waitFor(what, check);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- agent output ---\n${this.#output.slice(-4_000)}`);
    }
  }

  /** The credential the agent saved from `welcome.credential`, or null before it has one. */
  savedCredential(): string | null {
    try {
      return readFileSync(join(this.stateDir, "credential"), "utf8").trim() || null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((done) => this.#child.once("exit", () => done()));
    const signal = (name: NodeJS.Signals) =>
      this.#group && this.#child.pid !== undefined
        ? process.kill(-this.#child.pid, name)
        : this.#child.kill(name);
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/**
 * Polls until `check` returns a value other than undefined/false, or fails with `what`: within
 * 30 s, so that a failure names what it waited for before the test's own 60 s limit hides it.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
