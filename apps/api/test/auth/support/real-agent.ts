import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../../../../..");
const AGENT_MAIN = join(REPO, "apps/agent/src/main.ts");

/** The real crowsnest-agent, as a child process on Node 24, pointed at a test server. */
export class RealAgent {
  readonly stateDir: string;
  readonly #child: ChildProcess;
  #output = "";

  private constructor(child: ChildProcess, stateDir: string) {
    this.#child = child;
    this.stateDir = stateDir;
    child.stdout?.on("data", (chunk: Buffer) => {
      this.#output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#output += chunk.toString();
    });
  }

  static start(wsBaseUrl: string, token: string | null, stateDir?: string): RealAgent {
    const dir = stateDir ?? mkdtempSync(join(tmpdir(), "crowsnest-auth-agent-"));
    const args = [AGENT_MAIN, "--server-url", `${wsBaseUrl}/ws/agent`, "--state-dir", dir, "--interval", "1"];
    if (token !== null) args.push(`--token=${token}`);
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    return new RealAgent(child, dir);
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
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
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
