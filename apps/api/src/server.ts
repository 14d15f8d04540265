import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { CLOSE_CODES } from "@crowsnest/protocol";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { installErrorHandler } from "./errors/handler.ts";
import type { AgentAuthenticator } from "./ingest/agent-authenticator.ts";
import { AgentLinks } from "./ingest/agent-links.ts";
import { agentUpgradeHandler } from "./ingest/agent-upgrade.ts";
import { newIngestCounters } from "./ingest/counters.ts";
import { Ingest } from "./ingest/ingest.ts";
import { LatestSamples } from "./ingest/latest-samples.ts";
import { StorageHealth } from "./ingest/storage-health.ts";
import { WriteQueue } from "./ingest/write-queue.ts";
import type { BrowserAuthenticator } from "./live/browser-authenticator.ts";
import { LiveHub } from "./live/hub.ts";
import { liveUpgradeHandler } from "./live/live-upgrade.ts";
import { RequestLogController } from "./logging/request-log-controller.ts";
import { Retention } from "./retention/retention.ts";
import {
  type DeclaredRoute,
  enforceRouteAccess,
  type RequestAuthenticator,
  registerUnknownServerPaths,
} from "./routes/access.ts";
import { installHttpHardening } from "./routes/hardening.ts";
import { registerTelemetryRoutes } from "./routes/telemetry-routes.ts";
import type { Store } from "./store/store.ts";
import { refuseUpgrade, type UpgradeHandler } from "./ws/upgrade.ts";

export interface ServerDeps {
  config: Config;
  store: Store;
  /** Checks the bearer token of /ws/agent upgrades. */
  agentAuthenticator: AgentAuthenticator;
  /** Checks session and Origin of /ws/live upgrades. */
  browserAuthenticator: BrowserAuthenticator;
  /**
   * Who sent a REST request (the session cookie). Every route declares who may call it
   * (`config.access`, routes/access.ts) and this decides the callers of the non-public ones.
   */
  requestAuthenticator: RequestAuthenticator;
  /** Registers further routes (the auth half's) with the same context. */
  extraRoutes?: (app: FastifyInstance, ctx: AppContext) => void;
  /**
   * Registers the dashboard's catch-all route, last (apps/api/src/web/); returns the handler for
   * the dashboard's own WebSocket upgrades (Next dev hot reload, under /_next/), if any.
   */
  dashboard?: (app: FastifyInstance) => Promise<UpgradeHandler | null>;
  logger?: FastifyServerOptions["logger"];
}

export interface CrowsnestServer {
  app: FastifyInstance;
  ctx: AppContext;
  retention: Retention;
  /** Every registered route with its declared access. */
  routes: readonly DeclaredRoute[];
  listen(): Promise<AddressInfo>;
  /** Closes every socket, stops accepting requests and stores every write still queued. */
  close(): Promise<void>;
}

/** Builds Fastify with the REST routes and both WebSocket endpoints on its one port. */
export async function buildServer(deps: ServerDeps): Promise<CrowsnestServer> {
  const { config, store } = deps;
  const app = Fastify({
    logger: deps.logger ?? false,
    logController: new RequestLogController(),
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    bodyLimit: 1024 * 1024,
    // Random, never taken from the request: a user's report matches the log, and nobody can forge it.
    genReqId: () => randomUUID(),
  });
  const hub = new LiveHub();
  const latest = new LatestSamples();
  const counters = newIngestCounters();
  const agents = new AgentLinks(config.commandTimeoutMs);
  const storage = new StorageHealth();
  const queue = new WriteQueue(store.telemetry, storage);
  const ingest = new Ingest(queue, store.hosts, hub, latest);
  const retention = new Retention(store.retention, config.retention, app.log);
  const ctx: AppContext = {
    config,
    store,
    agents,
    hub,
    latest,
    counters,
    storage,
    startedAt: performance.now(),
  };

  installErrorHandler(app);
  installHttpHardening(app);
  const routes = enforceRouteAccess(app, deps.requestAuthenticator, config.publicUrl);
  registerTelemetryRoutes(app, ctx);
  deps.extraRoutes?.(app, ctx);
  registerUnknownServerPaths(app);
  const dashboardUpgrade = deps.dashboard ? await deps.dashboard(app) : null;

  const upgrades = new Map<string, UpgradeHandler>([
    [
      "/ws/agent",
      agentUpgradeHandler(deps.agentAuthenticator, {
        ingest,
        links: agents,
        hub,
        counters,
        heartbeatMs: config.heartbeatMs,
        log: app.log,
      }),
    ],
    [
      "/ws/live",
      liveUpgradeHandler(deps.browserAuthenticator, {
        hub,
        store,
        limits: config.live,
        heartbeatMs: config.heartbeatMs,
        sessions: deps.browserAuthenticator,
        sessionCheckMs: config.live.sessionCheckMs,
        log: app.log,
      }),
    ],
  ]);
  app.server.on("upgrade", (request, socket, head) => {
    socket.on("error", (err) => app.log.debug({ err }, "upgrade socket error"));
    const target = request.url ?? "";
    // Only a path (origin-form), as for every other request: not `//host/…`, `*` or an absolute URL.
    if (!target.startsWith("/") || target.startsWith("//")) {
      refuseUpgrade(socket, 400, "the request target must be a path starting with /");
      return;
    }
    const path = new URL(target, "http://localhost").pathname;
    const handler = upgrades.get(path) ?? (path.startsWith("/_next/") ? dashboardUpgrade : null);
    if (handler) handler(request, socket, head);
    else refuseUpgrade(socket, 404, `no WebSocket endpoint at ${path}`);
  });

  return {
    app,
    ctx,
    retention,
    routes,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      retention.start();
      return app.server.address() as AddressInfo;
    },
    async close() {
      agents.closeAll(CLOSE_CODES.shuttingDown, "server shutting down");
      hub.closeAll(CLOSE_CODES.shuttingDown, "server shutting down");
      hub.stop();
      await retention.stop();
      await app.close();
      await queue.drain();
    },
  };
}
