import type { FastifyInstance, FastifyReply } from "fastify";
import type { AppContext } from "../../context.ts";
import { ADMIN_ONLY } from "../access.ts";

/** 503 with `status: "degraded"` while the store refuses writes (a full disk): agents are then not acknowledged and keep their data. */
function status(ctx: AppContext, reply: FastifyReply): "ok" | "degraded" {
  if (!ctx.storage.ok) reply.status(503);
  return ctx.storage.ok ? "ok" : "degraded";
}

/**
 * GET /api/health — liveness for anyone (load balancers, `npm start`): `{ status }` only, since
 * how many agents and dashboards are connected is nobody else's business.
 * GET /api/health/details (ADMIN) — the same status with storage, uptime, connected agents, live
 * hub memory, ingest counters and the cluster bus (NATS) when there is one.
 */
export function registerGetHealth(app: FastifyInstance, ctx: AppContext): void {
  app.get("/api/health", { config: { access: "public" } }, async (_request, reply) => ({
    status: status(ctx, reply),
  }));
  app.get("/api/health/details", { config: { access: ADMIN_ONLY } }, async (_request, reply) => ({
    status: status(ctx, reply),
    storage: ctx.storage.report(),
    uptimeSeconds: Math.round((performance.now() - ctx.startedAt) / 1000),
    agentsOnline: ctx.agents.onlineHostIds().length,
    live: ctx.hub.memory(),
    ingest: { ...ctx.counters },
    cluster: ctx.cluster.report(),
  }));
}
