import { DeleteHostQuery } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AuthServices } from "../../auth/auth-services.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";
import { HostParams } from "../params.ts";

/**
 * DELETE /api/hosts/:hostId?data=delete|keep (ADMIN): 204. The host's ways in close and its agent
 * is disconnected; its stored data is deleted, or kept readable with the host marked deleted.
 */
export function registerDeleteHost(app: FastifyInstance, auth: AuthServices): void {
  app.delete("/api/hosts/:hostId", { config: { access: ADMIN_ONLY } }, async (request, reply) => {
    const { hostId } = parseInput("params", HostParams, request.params);
    const { data } = parseInput("query", DeleteHostQuery, request.query);
    await auth.enrolment.delete(hostId, data, actorOf(requirePrincipal(request), request.ip));
    return reply.status(204).send();
  });
}
