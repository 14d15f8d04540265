import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeclaredRoute, enforceRouteAccess } from "../../apps/api/src/routes/access.ts";
import { AuthTestServer } from "../../apps/api/test/auth/support/auth-server.ts";
import { buildDashboardIfStale, WEB_DIR } from "../../scripts/dashboard-build.ts";
import { ApiClient } from "../support/api-client.ts";
import { ADMIN_PASSWORD, ServerProcess } from "../support/processes.ts";

const HOST_ID = "00000000-0000-4000-8000-000000000000";
const CONTAINER_ID = "c".repeat(64);

/** A raw request: `node:http` sends the path byte for byte, where `fetch` would normalise it. */
function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * A WebSocket upgrade with no cookie and no Origin, as a stranger sends it: the status of the
 * answer and whether the server then closed the connection by itself (within 5 s).
 */
function rawUpgrade(port: number, path: string): Promise<{ status: number; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 0), closed: false });
    }, 5_000);
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 0), closed: true });
    });
    socket.on("error", reject);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
  });
}

/** The route's path with its parameters filled in. */
function concretePath(url: string): string {
  return url
    .replace(":hostId", HOST_ID)
    .replace(":containerId", CONTAINER_ID)
    .replace(":id", "00000000-0000-4000-8000-000000000001");
}

const hex = (c: string, upper: boolean): string => {
  const code = c.charCodeAt(0).toString(16);
  return `%${upper ? code.toUpperCase() : code}`;
};

/**
 * Every way of writing `path` that a router may decode to the same route: each letter of each
 * segment percent-encoded on its own (lower- and upper-case hex), every letter encoded at once,
 * and each whole segment encoded.
 */
function encodings(path: string): string[] {
  const variants = new Set<string>([path]);
  const chars = [...path];
  chars.forEach((c, i) => {
    if (!/[a-z]/i.test(c)) return;
    for (const upper of [false, true]) {
      variants.add([...chars.slice(0, i), hex(c, upper), ...chars.slice(i + 1)].join(""));
    }
  });
  variants.add(chars.map((c) => (/[a-z]/i.test(c) ? hex(c, false) : c)).join(""));
  const segments = path.split("/");
  segments.forEach((segment, i) => {
    if (segment === "") return;
    const encoded = [...segment].map((c) => hex(c, true)).join("");
    variants.add([...segments.slice(0, i), encoded, ...segments.slice(i + 1)].join("/"));
  });
  return [...variants];
}

describe("every registered route declares who may call it, and strangers get 401 however the path is written", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-route-access-"));
  let routes: readonly DeclaredRoute[];
  let server: ServerProcess;

  beforeAll(async () => {
    // The route table of the server as main.ts wires it (auth half included).
    const inProcess = await AuthTestServer.start();
    routes = inProcess.server.routes;
    await inProcess.close();
    buildDashboardIfStale(() => {});
    server = await ServerProcess.start({ dataDir: join(dir, "server"), env: { CROWSNEST_WEB_DIR: WEB_DIR } });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the API's routes with their access, public ones being only health and login", () => {
    const api = routes.filter((r) => r.url.startsWith("/api"));
    expect(api.length).toBeGreaterThanOrEqual(20);
    const open = api.filter((r) => r.access === "public").map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual(["GET /api/health", "HEAD /api/health", "POST /api/auth/login"]);
    const dashboard = routes.filter((r) => !r.url.startsWith("/api") && !r.url.startsWith("/ws/"));
    expect(dashboard.every((r) => r.url === "/*" && r.access === "public")).toBe(true);
  });

  it("answers 401 without a session to every encoding of every non-public route, HEAD included", async () => {
    const port = server.options.port;
    const failures: string[] = [];
    let probes = 0;
    for (const route of routes.filter((r) => r.access !== "public")) {
      for (const path of encodings(concretePath(route.url))) {
        // A state-changing request must also come from our own origin; send it, so that the
        // session check is what refuses it.
        const headers: Record<string, string> =
          route.method === "GET" || route.method === "HEAD" ? {} : { origin: server.baseUrl };
        const res = await rawRequest(port, route.method, path, headers);
        probes += 1;
        if (res.status !== 401)
          failures.push(`${route.method} ${path} → ${res.status} ${res.body.slice(0, 80)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(probes).toBeGreaterThan(500);
  });

  it("answers the probe's own inputs with 401, never with data", async () => {
    const port = server.options.port;
    for (const path of ["/%61pi/containers", "/a%70i/hosts", "/ap%69/containers", "/%61%70%69/hosts"]) {
      for (const method of ["GET", "HEAD"]) {
        expect((await rawRequest(port, method, path)).status, `${method} ${path}`).toBe(401);
      }
    }
    const logs = `/%61pi/hosts/${HOST_ID}/containers/${CONTAINER_ID}/logs?q=secret`;
    expect((await rawRequest(port, "GET", logs)).status).toBe(401);
    // The encoded path does reach the real route: signed in, it answers with the data.
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const signedIn = await rawRequest(port, "GET", "/%61pi/containers", { cookie: admin.cookie });
    expect(signedIn.status).toBe(200);
    expect(JSON.parse(signedIn.body)).toEqual([]);
  });

  it("answers unknown /api and /ws paths with 401 to strangers (not 404), 404 when signed in", async () => {
    const port = server.options.port;
    const unknown = [
      "/api",
      "/api/",
      "/api/nonexistent",
      "/api/health/",
      "/api/containers/",
      "/%61pi/nope",
      "/ws/x",
    ];
    for (const path of unknown) {
      expect((await rawRequest(port, "GET", path)).status, path).toBe(401);
    }
    for (const method of ["PATCH", "PUT", "DELETE"]) {
      expect((await rawRequest(port, method, "/api/users", { origin: server.baseUrl })).status, method).toBe(
        401,
      );
    }
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    for (const path of unknown) {
      expect((await rawRequest(port, "GET", path, { cookie: admin.cookie })).status, path).toBe(404);
    }
  });

  it("refuses WebSocket upgrades nobody serves at once, and closes the socket (no descriptor held)", async () => {
    const port = server.options.port;
    for (const [path, status] of [
      ["/_next/webpack-hmr", 404],
      ["/_next/static/chunks/x.js", 404],
      ["/nothing", 404],
      ["//evil.example/ws/live", 400],
      ["http://evil.example/ws/live", 400],
    ] as const) {
      expect(await rawUpgrade(port, path), path).toEqual({ status, closed: true });
    }
  });

  it("refuses state-changing requests that do not come from our own pages, login included", async () => {
    const port = server.options.port;
    const body = JSON.stringify({ username: "admin", password: ADMIN_PASSWORD });
    const login = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            method: "POST",
            path: "/api/auth/login",
            headers: { "content-type": "application/json", ...headers },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const own = server.baseUrl;
    expect(await login({})).toBe(403);
    expect(await login({ origin: "https://evil.example" })).toBe(403);
    expect(await login({ origin: own.replace("http:", "https:") })).toBe(403);
    expect(await login({ origin: "null" })).toBe(403);
    expect(await login({ "sec-fetch-site": "cross-site" })).toBe(403);
    expect(await login({ "sec-fetch-site": "same-site" })).toBe(403);
    expect(await login({ "sec-fetch-site": "same-origin" })).toBe(200);
    expect(await login({ origin: own })).toBe(200);
    expect(await login({ origin: `${own}/` })).toBe(200);
  });

  it("answers OPTIONS * with 400, and marks API answers nosniff and no-store", async () => {
    const port = server.options.port;
    expect((await rawRequest(port, "OPTIONS", "*")).status).toBe(400);
    expect((await rawRequest(port, "GET", "http://evil.example/api/health")).status).toBe(400);
    for (const path of ["/api/health", "/api/containers", "/api/nothing-here"]) {
      const res = await fetch(`${server.baseUrl}${path}`);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("cache-control"), path).toBe("no-store");
    }
  });

  it("tells anonymous callers of /api/health the status only, an ADMIN the details", async () => {
    const anonymous = await fetch(`${server.baseUrl}/api/health`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: "ok" });
    expect((await fetch(`${server.baseUrl}/api/health/details`)).status).toBe(401);
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const details = await admin.get<Record<string, unknown>>("/api/health/details");
    expect(details).toMatchObject({ status: "ok", agentsOnline: 0 });
    expect(details).toHaveProperty("ingest");
  });
});

describe("a route that declares no access", () => {
  it("cannot be registered, so a server with one cannot start", async () => {
    const app = Fastify();
    enforceRouteAccess(app, async () => null, null);
    expect(() => app.get("/api/undeclared", async () => "data")).toThrow(/declares no access/);
    app.get("/api/declared", { config: { access: "signed-in" } }, async () => "data");
    const res = await app.inject({ method: "GET", url: "/api/declared" });
    expect(res.statusCode).not.toBe(200);
    await app.close();
  });
});
