import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { freePort, ROOT, waitFor } from "./processes.ts";

/** The configuration compose.cluster.yaml mounts; tests run the very same file. */
const CONFIG = join(ROOT, "deploy", "cluster", "haproxy.cfg");

/**
 * Debian's HAProxy (scripts/test-env.sh installs it) in front of three replicas, run with
 * deploy/cluster/haproxy.cfg on a free loopback port, in the foreground (`-db`) so that it dies
 * with the test. `replicas` are `host:port` addresses, exactly three as the file names.
 */
export class HaproxyProcess {
  readonly port: number;
  readonly #child: ChildProcess;
  #output = "";
  readonly #exited: Promise<void>;

  private constructor(port: number, replicas: readonly string[]) {
    this.port = port;
    this.#child = spawn("haproxy", ["-db", "-f", CONFIG], {
      env: {
        ...process.env,
        CROWSNEST_LB_BIND: `127.0.0.1:${port}`,
        CROWSNEST_REPLICA_1: replicas[0],
        CROWSNEST_REPLICA_2: replicas[1],
        CROWSNEST_REPLICA_3: replicas[2],
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString("utf8")).slice(-32 * 1024);
    };
    this.#child.stdout?.on("data", keep);
    this.#child.stderr?.on("data", keep);
    this.#exited = new Promise((r) => this.#child.once("exit", () => r()));
  }

  /** Starts HAProxy and waits until it answers `/api/health` through some replica. */
  static async start(replicas: readonly string[]): Promise<HaproxyProcess> {
    if (replicas.length !== 3) throw new Error(`haproxy.cfg names three replicas, got ${replicas.length}`);
    const proxy = new HaproxyProcess(await freePort(), replicas);
    await waitFor(
      () => `HAProxy on ${proxy.baseUrl}\n${proxy.#output}`,
      async () => {
        if (proxy.#child.exitCode !== null) throw new Error(`haproxy exited:\n${proxy.#output}`);
        return (await fetch(`${proxy.baseUrl}/api/health`)).status === 200;
      },
    );
    return proxy;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get agentUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws/agent`;
  }

  /** What HAProxy printed (its alerts, a replica going down or up). */
  get output(): string {
    return this.#output;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill("SIGTERM");
    await this.#exited;
  }
}
