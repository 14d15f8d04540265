import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "@crowsnest/protocol";
import type { AuthServices } from "../../../src/auth/auth-services.ts";
import { type Config, loadConfig } from "../../../src/config.ts";
import { buildServer, type CrowsnestServer } from "../../../src/server.ts";
import { openStore } from "../../../src/store/open-store.ts";
import type { Store } from "../../../src/store/store.ts";
import type { UserRecord } from "../../../src/store/user-repository.ts";

/** A clock the test can move: sessions and throttling read it, nothing else needs to. */
export class TestClock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface AuthServerOptions {
  publicUrl?: string;
  commandTimeoutMs?: number;
  trustedProxies?: string[];
  /** How often open /ws/live sockets' sessions are checked again (default 200 ms here). */
  sessionCheckMs?: number;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies of many shapes
  body: any;
}

/** A real crowsnest-server built as main.ts builds it (buildServer), on its own clock, on a free loopback port. */
export class AuthTestServer {
  readonly clock: TestClock;
  readonly config: Config;
  readonly store: Store;
  readonly server: CrowsnestServer;
  /** The server's auth services: its password hasher, sessions, audit trail. */
  readonly core: AuthServices;
  readonly baseUrl: string;
  readonly #dataDir: string;

  private constructor(
    clock: TestClock,
    config: Config,
    store: Store,
    server: CrowsnestServer,
    core: AuthServices,
    port: number,
  ) {
    this.clock = clock;
    this.config = config;
    this.store = store;
    this.server = server;
    this.core = core;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.#dataDir = config.dataDir;
  }

  static async start(options: AuthServerOptions = {}): Promise<AuthTestServer> {
    const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-auth-"));
    const loaded = loadConfig(["--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], {});
    const config: Config = {
      ...loaded,
      publicUrl: options.publicUrl ?? null,
      trustedProxies: options.trustedProxies ?? [],
      heartbeatMs: 2_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 30_000,
      live: { ...loaded.live, sessionCheckMs: options.sessionCheckMs ?? 200 },
      // Explicit server config, not the environment: cheap hashes so tests can create users quickly.
      auth: { ...loaded.auth, scryptCost: { log2N: 10, r: 8, p: 1 } },
    };
    const store = await openStore(config);
    const clock = new TestClock();
    const server = await buildServer({ config, store, now: clock.now });
    const address = await server.listen();
    return new AuthTestServer(clock, config, store, server, server.auth, address.port);
  }

  get wsUrl(): string {
    return this.baseUrl.replace(/^http/, "ws");
  }

  async addUser(username: string, role: Role, password = `${username}-password`): Promise<UserRecord> {
    const user = await this.store.users.create({
      username,
      role,
      passwordHash: await this.core.hasher.hash(password),
      createdAt: Date.now(),
    });
    if (!user) throw new Error(`user ${username} exists`);
    return user;
  }

  /** Logs in over HTTP and returns the `Cookie` header value to send. */
  async login(username: string, password = `${username}-password`): Promise<string> {
    const res = await this.http("POST", "/api/auth/login", { body: { username, password } });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
    const setCookie = res.headers.get("set-cookie") ?? "";
    const pair = setCookie.split(";", 1)[0];
    if (!pair?.startsWith("crowsnest_session=")) throw new Error(`no session cookie in "${setCookie}"`);
    return pair;
  }

  async http(
    method: string,
    path: string,
    options: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<HttpResult> {
    // A page of ours sends its Origin; a test of foreign origins passes its own.
    const origin = this.config.publicUrl === null ? this.baseUrl : new URL(this.config.publicUrl).origin;
    const headers: Record<string, string> = { origin, ...options.headers };
    if (options.cookie) headers.cookie = options.cookie;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === "" ? null : JSON.parse(text) };
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.store.close();
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}
