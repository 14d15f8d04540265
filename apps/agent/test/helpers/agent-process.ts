import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const MAIN = resolve(import.meta.dirname, "../../src/main.ts");

export async function tempStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "crowsnest-agent-test-"));
}

/** crowsnest-agent as a real child process, on the same Node that runs the tests. */
export class AgentProcess {
  readonly child: ChildProcess;
  stderr = "";

  private constructor(child: ChildProcess) {
    this.child = child;
    child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /**
   * `entry`: the script run, the agent's .ts sources unless given (e.g. the one-file build).
   * `wrapper`: a command that runs the agent's command line given after it (e.g. `unshare … --`).
   */
  static spawn(
    args: string[],
    env: Record<string, string> = {},
    entry = MAIN,
    wrapper: string[] = [],
  ): AgentProcess {
    const [command, ...commandArgs] = [...wrapper, process.execPath, entry, ...args] as [string, ...string[]];
    const child = spawn(command, commandArgs, {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    return new AgentProcess(child);
  }

  static start(options: {
    serverUrl: string;
    token: string;
    stateDir: string;
    extra?: string[];
    entry?: string;
    wrapper?: string[];
  }): AgentProcess {
    // The token in the environment, as the server's printed command passes it: never in argv.
    return AgentProcess.spawn(
      [
        "--server-url",
        options.serverUrl,
        "--state-dir",
        options.stateDir,
        "--interval",
        "1",
        "--log-level",
        "debug",
        ...(options.extra ?? []),
      ],
      { CROWSNEST_TOKEN: options.token },
      options.entry,
      options.wrapper,
    );
  }

  async exit(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code] = (await once(this.child, "exit")) as [number | null];
    return code;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, "exit");
    this.child.kill(signal);
    const [code] = (await exited) as [number | null];
    return code;
  }
}
