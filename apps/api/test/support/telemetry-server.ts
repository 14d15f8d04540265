import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserAuthenticator } from "../../src/auth/browser-authenticator.ts";
import { createHostWithCredential } from "../../src/auth/host-credential.ts";
import type { Principal } from "../../src/auth/principal.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import { buildServer, type CrowsnestServer } from "../../src/server.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";

/** The caller every browser socket and REST request of a TelemetryServer is taken for. */
const ANONYMOUS_VIEWER: Principal = {
  userId: "anonymous",
  username: "anonymous",
  role: "VIEWER",
  sessionId: "anonymous",
};

/** Lets every browser in as ANONYMOUS_VIEWER. */
const anonymousViewer: BrowserAuthenticator = {
  async authenticate() {
    return ANONYMOUS_VIEWER;
  },
  async stillValid() {
    return true;
  },
};

/**
 * A real crowsnest-server (buildServer, as main.ts builds it, but with every browser and every
 * REST request let in as an anonymous VIEWER: tests of telemetry need no sign-in) in this process,
 * on a loopback port, over a temporary data dir. Agents connect with host credentials.
 */
export class TelemetryServer {
  readonly dataDir: string;
  readonly config: Config;
  store: Store;
  server: CrowsnestServer;
  port: number;

  private constructor(dataDir: string, config: Config, store: Store, server: CrowsnestServer, port: number) {
    this.dataDir = dataDir;
    this.config = config;
    this.store = store;
    this.server = server;
    this.port = port;
  }

  /** `env` sets CROWSNEST_* variables, e.g. CROWSNEST_LIVE_BUFFER_BYTES. */
  static async start(env: Record<string, string> = {}, dataDir?: string, port = 0): Promise<TelemetryServer> {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), "crowsnest-api-"));
    const config = loadConfig([], {
      CROWSNEST_DATA_DIR: dir,
      CROWSNEST_HOST: "127.0.0.1",
      CROWSNEST_PORT: String(port),
      CROWSNEST_HEARTBEAT_MS: "2000",
      ...env,
    });
    const { store, server, port: bound } = await TelemetryServer.#open(config);
    return new TelemetryServer(dir, config, store, server, bound);
  }

  static async #open(config: Config): Promise<{ store: Store; server: CrowsnestServer; port: number }> {
    const store = await openStore(config);
    const server = await buildServer({
      config,
      store,
      callers: { browser: anonymousViewer, request: async () => ANONYMOUS_VIEWER },
    });
    const address = await server.listen();
    return { store, server, port: address.port };
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get agentUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws/agent`;
  }

  get liveUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws/live`;
  }

  async addHost(name: string): Promise<{ hostId: string; token: string }> {
    const { host, token } = await createHostWithCredential(this.store, name, Date.now());
    return { hostId: host.id, token };
  }

  async get<T>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  }

  /** A graceful stop (queued writes stored) and a start on the same port and data directory. */
  async restart(): Promise<void> {
    await this.#stop();
    const config = { ...this.config, port: this.port };
    const { store, server } = await TelemetryServer.#open(config);
    this.store = store;
    this.server = server;
  }

  async #stop(): Promise<void> {
    await this.server.close();
    await this.store.close();
  }

  async dispose(): Promise<void> {
    await this.#stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
