import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { CLOSE_CODES } from "@crowsnest/protocol";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { HostCredentialAuthenticator } from "./auth/agent-authenticator.ts";
import { type AuthServices, createAuthServices } from "./auth/auth-services.ts";
import type { BrowserAuthenticator } from "./auth/browser-authenticator.ts";
import { EnrollingAgentAuthenticator } from "./auth/enrolling-agent-authenticator.ts";
import { SessionBrowserAuthenticator } from "./auth/live-authenticator.ts";
import { Cluster, SINGLE_PROCESS } from "./cluster/cluster.ts";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { installErrorHandler } from "./errors/handler.ts";
import { AgentLinks } from "./ingest/agent-links.ts";
import { agentUpgradeHandler } from "./ingest/agent-upgrade.ts";
import { newIngestCounters } from "./ingest/counters.ts";
import { Ingest } from "./ingest/ingest.ts";
import { LatestSamples } from "./ingest/latest-samples.ts";
import { StorageHealth } from "./ingest/storage-health.ts";
import { WriteQueue } from "./ingest/write-queue.ts";
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
import { registerRoutes } from "./routes/register-routes.ts";
import { sessionAuthenticator } from "./routes/session-authenticator.ts";
import type { MaintenanceLease, Store } from "./store/store.ts";
import { refuseUpgrade, type UpgradeHandler } from "./ws/upgrade.ts";

/** How often expired sessions are deleted; they are refused on use anyway, this only keeps the table small. */
const SESSION_SWEEP_MS = 10 * 60_000;
/** The maintenance lease's task under which the session sweep runs (see MaintenanceLease). */
const SESSION_SWEEP_TASK = "session-sweep";

/** Who a browser socket and a REST request come from; by default, their session cookie decides. */
export interface CallerAuthenticators {
  /** Checks session and Origin of /ws/live upgrades. */
  browser: BrowserAuthenticator;
  /**
   * Who sent a REST request. Every route declares who may call it (`config.access`,
   * routes/access.ts) and this decides the callers of the non-public ones.
   */
  request: RequestAuthenticator;
}

export interface ServerDeps {
  config: Config;
  store: Store;
  /** The clock of sessions, login throttling and the audit log (tests move it); Date.now by default. */
  now?: () => number;
  /** Replaces the session checks of browsers and REST requests (tests of telemetry let everyone in). */
  callers?: CallerAuthenticators;
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
  /** Sessions, accounts and host identities (main.ts creates the first admin with its hasher). */
  auth: AuthServices;
  retention: Retention;
  /** Every registered route with its declared access. */
  routes: readonly DeclaredRoute[];
  listen(): Promise<AddressInfo>;
  /** Closes every socket, stops accepting requests and stores every write still queued. */
  close(): Promise<void>;
}

/**
 * The one place where the server's parts are built and wired: the store's consumers, the agent
 * registry, the live hub, auth, the REST routes by resource and both WebSocket endpoints, on
 * one Fastify port. Everything below it receives its collaborators through narrow interfaces.
 */
export async function buildServer(deps: ServerDeps): Promise<CrowsnestServer> {
  const { config, store } = deps;
  const now = deps.now ?? Date.now;
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
  const links = new AgentLinks(config.commandTimeoutMs);
  const storage = new StorageHealth();
  const queue = new WriteQueue(store.telemetry, storage, undefined, config.ingestBacklogRows);
  // With CROWSNEST_NATS_URL, the bus-backed implementations wrap this process's hub, latest
  // samples and agent links; without it, those run alone, exactly as one server always did.
  const cluster =
    config.natsUrl === null
      ? null
      : await Cluster.join({
          natsUrl: config.natsUrl,
          hub,
          latest,
          links,
          relayed: queue,
          commandTimeoutMs: config.commandTimeoutMs,
          log: app.log,
        });
  if (cluster !== null && config.database.backend === "sqlite")
    app.log.warn(
      "CROWSNEST_NATS_URL is set but the store is a SQLite file: replicas see one another's data only if they share that file on one machine; set CROWSNEST_DATABASE_URL=postgres://… for replicas",
    );
  const agents = cluster?.agents ?? links;
  const live = cluster?.live ?? hub;
  const userSockets = cluster?.userSockets ?? hub;
  const relayed = cluster?.agents ?? queue;
  const ingest = new Ingest(queue, store.hosts, live, latest);
  const retention = new Retention(store.retention, store.maintenance, config.retention, app.log);
  const auth = createAuthServices(config, store, { sockets: userSockets, agents }, now);
  const callers = deps.callers ?? {
    browser: new SessionBrowserAuthenticator(auth.sessions, config.publicUrl),
    request: sessionAuthenticator(auth.sessions),
  };
  const agentAuthenticator = new EnrollingAgentAuthenticator(
    new HostCredentialAuthenticator(store.hostCredentials),
    store,
    now,
  );
  const ctx: AppContext = {
    config,
    store,
    auth,
    agents,
    commands: agents,
    latest,
    relayed,
    liveSockets: userSockets,
    hub,
    counters,
    storage,
    cluster: cluster ?? SINGLE_PROCESS,
    startedAt: performance.now(),
  };

  installErrorHandler(app);
  installHttpHardening(app);
  const routes = enforceRouteAccess(app, callers.request, config.publicUrl);
  registerRoutes(app, ctx);
  sweepSessions(app, auth, store.maintenance);
  registerUnknownServerPaths(app);
  const dashboardUpgrade = deps.dashboard ? await deps.dashboard(app) : null;

  const upgrades = new Map<string, UpgradeHandler>([
    [
      "/ws/agent",
      agentUpgradeHandler(agentAuthenticator, {
        ingest,
        links: agents,
        live,
        counters,
        heartbeatMs: config.heartbeatMs,
        log: app.log,
      }),
    ],
    [
      "/ws/live",
      liveUpgradeHandler(callers.browser, {
        hub,
        relayed,
        limits: config.live,
        heartbeatMs: config.heartbeatMs,
        sessions: callers.browser,
        sessionCheckMs: config.live.sessionCheckMs,
        log: app.log,
      }),
    ],
  ]);
  routeUpgrades(app, upgrades, dashboardUpgrade);

  return {
    app,
    ctx,
    auth,
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
      await cluster?.leave();
      await queue.drain();
    },
  };
}

/** Hands each WebSocket upgrade to its endpoint by path (the dashboard's under /_next/); 404 otherwise. */
function routeUpgrades(
  app: FastifyInstance,
  upgrades: ReadonlyMap<string, UpgradeHandler>,
  dashboardUpgrade: UpgradeHandler | null,
): void {
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
}

/**
 * Deletes expired sessions and stale login failures every SESSION_SWEEP_MS until the app closes,
 * while this server leads SESSION_SWEEP_TASK (replicas sharing a database sweep it once).
 */
function sweepSessions(app: FastifyInstance, auth: AuthServices, lease: MaintenanceLease): void {
  const sweep = setInterval(() => {
    lease
      .tryLead(SESSION_SWEEP_TASK)
      .then((leads) => (leads ? Promise.all([auth.sessions.sweep(), auth.throttle.sweep()]) : null))
      .catch((err: unknown) => app.log.error({ err }, "session sweep failed"));
  }, SESSION_SWEEP_MS);
  sweep.unref();
  app.addHook("onClose", async () => clearInterval(sweep));
}
