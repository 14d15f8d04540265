import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./processes.ts";

const execFileAsync = promisify(execFile);

/** Debian's PostgreSQL server programs (postgresql-NN), the newest installed. */
function binDir(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined)
    throw new Error("no PostgreSQL under /usr/lib/postgresql (Debian's postgresql package)");
  return join("/usr/lib/postgresql", versions[0], "bin");
}

/**
 * A PostgreSQL server of the test's own: a new cluster (initdb) in a temporary directory on a
 * free loopback port, trust authentication, so that a test may stop and restart it under load
 * without touching the machine's shared server. PostgreSQL refuses to run as root, so the
 * programs run as the `postgres` user (runuser). `stop`/`start` keep the data; `destroy` removes it.
 */
export class PostgresServer {
  readonly port: number;
  readonly #dir: string;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  static async create(): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), "cn-pg-"));
    const postgres = await execFileAsync("id", ["-u", "postgres"]);
    chownSync(dir, Number(postgres.stdout.trim()), -1);
    const server = new PostgresServer(await freePort(), dir);
    await server.#run("initdb", [
      "-D",
      server.#data,
      "-A",
      "trust",
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--no-sync",
    ]);
    await server.start();
    return server;
  }

  /** `postgres://postgres@127.0.0.1:PORT/DATABASE` */
  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get #data(): string {
    return join(this.#dir, "data");
  }

  /** The postmaster's pid (its backends are its children), from its postmaster.pid file. */
  pid(): number {
    return Number(readFileSync(join(this.#data, "postmaster.pid"), "utf8").split("\n")[0]);
  }

  /** Starts the server and waits until it accepts connections (`pg_ctl -w`). */
  async start(): Promise<void> {
    await this.#run("pg_ctl", [
      "-D",
      this.#data,
      "-l",
      join(this.#dir, "server.log"),
      "-o",
      `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1`,
      "-w",
      "start",
    ]);
  }

  /** Stops it as an operator's restart does (`-m fast`: sessions cut, committed data kept). */
  async stop(): Promise<void> {
    await this.#run("pg_ctl", ["-D", this.#data, "-m", "fast", "-w", "stop"]);
  }

  /** Stops the server if it runs and removes its files. */
  async destroy(): Promise<void> {
    await this.#run("pg_ctl", ["-D", this.#data, "-m", "immediate", "-w", "stop"]).catch(() => undefined);
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #run(program: string, args: string[]): Promise<void> {
    await execFileAsync("runuser", ["-u", "postgres", "--", join(binDir(), program), ...args], {
      cwd: this.#dir,
    });
  }
}
