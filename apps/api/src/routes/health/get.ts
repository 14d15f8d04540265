import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../../context.ts";
import { StorageProbe } from "../../ingest/storage-probe.ts";
import { ADMIN_ONLY } from "../access.ts";

/**
 * 503 with `status: "degraded"` while the store refuses writes (a full disk) or its database does
 * not answer (agents are then not acknowledged and keep their data), or while a replica's NATS bus
 * is down (its agents are stored, but other replicas neither see them live nor reach them).
 */
function status(ctx: AppContext, reply: FastifyReply): "ok" | "degraded" {
  const cluster = ctx.cluster.report();
  const ok = ctx.storage.ok && (cluster.mode === "single" || cluster.degraded === null);
  if (!ok) reply.status(503);
  return ok ? "ok" : "degraded";
}

/**
 * GET /api/health — liveness for anyone (load balancers, `npm start`): `{ status }` only, since
 * how many agents and dashboards are connected is nobody else's business.
 * GET /api/health/details (ADMIN) — the same status with storage, uptime, connected agents, live
 * hub memory, ingest counters, rows refused for their time per host (TelemetryWriter.outsideWindow)
 * and the cluster bus (NATS) when there is one.
 * Both ask the database first (StorageProbe: at most one ping a second), so that a replica with
 * nothing to write still reports a database that is gone.
 */
export function registerGetHealth(app: FastifyInstance, ctx: AppContext): void {
  const probe = new StorageProbe(ctx.store, ctx.storage);
  app.get("/api/health", { config: { access: "public" } }, async (_request, reply) => {
    await probe.check();
    return { status: status(ctx, reply) };
  });
  app.get("/api/health/details", { config: { access: ADMIN_ONLY } }, async (_request, reply) => {
    await probe.check();
    return {
      status: status(ctx, reply),
      storage: ctx.storage.report(),
      uptimeSeconds: Math.round((performance.now() - ctx.startedAt) / 1000),
      agentsOnline: ctx.agents.onlineHostIds().length,
      live: ctx.hub.memory(),
      ingest: { ...ctx.counters },
      /** Per host: samples and log lines refused for a time outside the store's window (a broken agent clock). */
      outsideWindow: ctx.store.telemetry.outsideWindow(),
      cluster: ctx.cluster.report(),
    };
  });
}
