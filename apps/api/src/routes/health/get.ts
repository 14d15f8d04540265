import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";

/**
 * GET /api/health — liveness, without authentication. 503 with `status: "degraded"` while the
 * store refuses writes (a full disk): agents are then not acknowledged and keep their data.
 */
export function registerGetHealth(app: FastifyInstance, ctx: AppContext): void {
  app.get("/api/health", { config: { access: "public" } }, async (_request, reply) => {
    if (!ctx.storage.ok) reply.status(503);
    return {
      status: ctx.storage.ok ? "ok" : "degraded",
      storage: ctx.storage.report(),
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000),
      agentsOnline: ctx.agents.onlineHostIds().length,
      live: ctx.hub.memory(),
      ingest: { ...ctx.counters },
    };
  });
}
