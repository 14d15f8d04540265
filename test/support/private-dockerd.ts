import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, openSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { TEST_IMAGE } from "./docker-cli.ts";
import { waitFor } from "./processes.ts";

const execFileAsync = promisify(execFile);

/**
 * A Docker Engine of the test's own: `dockerd` on its own socket, data root, exec root and
 * pidfile under a temporary directory, started like the shared one (vfs, no bridge). A test may
 * stop and start it without touching the shared Engine other tests use.
 */
export class PrivateDockerd {
  readonly dir: string;
  /** The value for DOCKER_HOST (agents) and `docker -H` (the CLI). */
  readonly host: string;
  #child: ChildProcess | null = null;

  private constructor(dir: string) {
    this.dir = dir;
    this.host = `unix://${join(dir, "docker.sock")}`;
  }

  /** Starts the daemon and loads the shared Engine's test image into it. */
  static async start(): Promise<PrivateDockerd> {
    // A short path: a unix socket's path is limited to about 100 bytes.
    const daemon = new PrivateDockerd(mkdtempSync("/tmp/cn-dockerd-"));
    await daemon.startDaemon();
    await execFileAsync("bash", [
      "-c",
      `set -o pipefail; docker save "$1" | docker -H "$2" load`,
      "load",
      TEST_IMAGE,
      daemon.host,
    ]);
    return daemon;
  }

  /** Runs the Docker CLI against this daemon and returns its stdout without the trailing newline. */
  async docker(...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync("docker", ["-H", this.host, ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trimEnd();
  }

  /** Starts dockerd and waits until it answers. */
  async startDaemon(): Promise<void> {
    const d = this.dir;
    const log = openSync(join(d, "dockerd.log"), "a");
    this.#child = spawn(
      "dockerd",
      [
        `--host=${this.host}`,
        `--data-root=${join(d, "root")}`,
        `--exec-root=${join(d, "exec")}`,
        `--pidfile=${join(d, "pid")}`,
        "--storage-driver=vfs",
        "--bridge=none",
        "--iptables=false",
        "--ip-forward=false",
      ],
      { stdio: ["ignore", log, log] },
    );
    await waitFor(`dockerd on ${this.host} to answer`, () => this.docker("version").then(() => true), 60_000);
  }

  /** Stops dockerd as an init system would (SIGTERM; its containers stop with it) and waits for its exit. */
  async stopDaemon(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }

  /** Stops the daemon, removes every container it holds first, and deletes its directory. */
  async destroy(): Promise<void> {
    if (this.#child !== null) {
      const ids = (await this.docker("ps", "-aq")).split("\n").filter(Boolean);
      if (ids.length > 0) await this.docker("rm", "-f", ...ids);
    }
    await this.stopDaemon();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
