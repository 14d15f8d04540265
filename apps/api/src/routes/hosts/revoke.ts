import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AuthServices } from "../../auth/auth-services.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";
import { HostParams } from "../params.ts";

/** POST /api/hosts/:hostId/revoke (ADMIN): the credential stops working and the agent is disconnected now. */
export function registerRevokeHost(app: FastifyInstance, auth: AuthServices): void {
  app.post("/api/hosts/:hostId/revoke", { config: { access: ADMIN_ONLY } }, async (request, reply) => {
    const { hostId } = parseInput("params", HostParams, request.params);
    await auth.enrolment.revoke(hostId, actorOf(requirePrincipal(request), request.ip));
    return reply.status(204).send();
  });
}
