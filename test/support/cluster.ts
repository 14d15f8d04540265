import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient } from "./api-client.ts";
import { ADMIN_PASSWORD, freePort, ServerProcess, waitFor } from "./processes.ts";

/** Debian's nats-server (2.9.10 on these machines); the tests never use the machine's own :4222. */
export const NATS_SERVER_BINARY = "/usr/sbin/nats-server";

/** A user and password nats-server requires of every client (`--user`, `--pass`). */
export interface NatsCredentials {
  user: string;
  pass: string;
}

/** A test-owned nats-server on a free loopback port, killed by stop(). */
export class NatsServer {
  readonly port: number;
  readonly credentials: NatsCredentials | null;
  readonly #args: string[];
  #child: ChildProcess;
  #output = "";

  private constructor(port: number, args: string[], credentials: NatsCredentials | null) {
    this.port = port;
    this.credentials = credentials;
    this.#args = args;
    this.#child = this.#spawn();
  }

  /**
   * Starts it and waits until it accepts connections. `storeDir` enables JetStream there;
   * `credentials` makes it refuse clients without them.
   * Throws, naming the binary, when it is missing: the cluster tests need a real NATS server.
   */
  static async start(
    options: { storeDir?: string; credentials?: NatsCredentials } = {},
  ): Promise<NatsServer> {
    const port = await freePort();
    const args = ["-a", "127.0.0.1", "-p", String(port)];
    if (options.storeDir !== undefined) args.push("-js", "-sd", options.storeDir);
    if (options.credentials !== undefined)
      args.push("--user", options.credentials.user, "--pass", options.credentials.pass);
    const server = new NatsServer(port, args, options.credentials ?? null);
    await server.#ready();
    return server;
  }

  /** The URL a replica uses: with the credentials, if the server requires them. */
  get url(): string {
    const { credentials } = this;
    return credentials === null
      ? this.address
      : `nats://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@127.0.0.1:${this.port}`;
  }

  /** The server's URL without credentials. */
  get address(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get output(): string {
    return this.#output;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Stops it (SIGKILL by default: an outage, not a goodbye). */
  async stop(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((r) => this.#child.once("exit", r));
    this.#child.kill(signal);
    await exited;
  }

  /** Starts it again on the same port, after stop(). */
  async start(): Promise<void> {
    if (this.running) return;
    this.#child = this.#spawn();
    await this.#ready();
  }

  #spawn(): ChildProcess {
    const child = spawn(NATS_SERVER_BINARY, this.#args, { stdio: "pipe" });
    const keep = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString("utf8")).slice(-16 * 1024);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", (err) => keep(Buffer.from(`spawn ${NATS_SERVER_BINARY}: ${err.message}\n`)));
    return child;
  }

  async #ready(): Promise<void> {
    await waitFor(
      () => `nats-server on ${this.port}\n${this.#output}`,
      async () => {
        if (!this.running) throw new Error(`nats-server exited:\n${this.#output}`);
        return new Promise<boolean>((resolve) => {
          const socket = connect(this.port, "127.0.0.1");
          socket.once("connect", () => {
            socket.destroy();
            resolve(true);
          });
          socket.once("error", () => resolve(false));
        });
      },
      10_000,
      50,
    );
  }
}

export interface ReplicaClusterOptions {
  /** How many crowsnest-server replicas (2 by default). */
  replicas?: number;
  /** More environment for every replica (e.g. a long CROWSNEST_LIVE_SESSION_CHECK_MS). */
  env?: NodeJS.ProcessEnv;
  /** Enable JetStream on the test's nats-server. */
  jetstream?: boolean;
  /** Make the test's nats-server require these credentials (the replicas get them in their URL). */
  natsCredentials?: NatsCredentials;
  /** A PostgreSQL database the replicas share (CROWSNEST_DATABASE_URL); absent: one SQLite file. */
  databaseUrl?: string;
}

/**
 * crowsnest-server replicas sharing one store and a test-owned nats-server, each on its own
 * loopback port, all removed by stop(). The store is the PostgreSQL database given, or else one
 * SQLite file in a shared data directory; replicas start one after the other, so the first
 * migrates it.
 */
export class ReplicaCluster {
  readonly dir: string;
  readonly nats: NatsServer;
  readonly replicas: ServerProcess[];

  private constructor(dir: string, nats: NatsServer, replicas: ServerProcess[]) {
    this.dir = dir;
    this.nats = nats;
    this.replicas = replicas;
  }

  static async start(options: ReplicaClusterOptions = {}): Promise<ReplicaCluster> {
    const dir = mkdtempSync(join(tmpdir(), "crowsnest-cluster-"));
    const storeDir = join(dir, "jetstream");
    if (options.jetstream) mkdirSync(storeDir);
    const nats = await NatsServer.start({
      ...(options.jetstream ? { storeDir } : {}),
      ...(options.natsCredentials === undefined ? {} : { credentials: options.natsCredentials }),
    });
    const replicas: ServerProcess[] = [];
    try {
      for (let i = 0; i < (options.replicas ?? 2); i++) {
        replicas.push(
          await ServerProcess.start({
            dataDir: join(dir, "data"),
            env: {
              ...replicaEnv(nats),
              ...(options.databaseUrl === undefined ? {} : { CROWSNEST_DATABASE_URL: options.databaseUrl }),
              ...options.env,
            },
          }),
        );
      }
    } catch (err) {
      for (const replica of replicas) await replica.process.kill("SIGKILL");
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return new ReplicaCluster(dir, nats, replicas);
  }

  /** Replica `i` (0-based). */
  replica(i: number): ServerProcess {
    const replica = this.replicas[i];
    if (replica === undefined) throw new Error(`no replica ${i}`);
    return replica;
  }

  /** Creates a host in the shared store and returns its id and pre-shared credential. */
  addHost(name: string): Promise<{ hostId: string; token: string }> {
    return this.replica(0).addHost(name);
  }

  /** The admin, logged in on replica `i`. */
  admin(i: number): Promise<ApiClient> {
    return ApiClient.login(this.replica(i).baseUrl, "admin", ADMIN_PASSWORD);
  }

  async stop(): Promise<void> {
    for (const replica of this.replicas) await replica.stop();
    await this.nats.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What makes a crowsnest-server a replica on this NATS server. */
export function replicaEnv(nats: NatsServer): NodeJS.ProcessEnv {
  return { CROWSNEST_NATS_URL: nats.url };
}
