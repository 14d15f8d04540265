import type { CredentialRotationResponse } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AuthServices } from "../../auth/auth-services.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";
import { HostParams } from "../params.ts";

/**
 * POST /api/hosts/:hostId/rotate (ADMIN): 202. The agent is disconnected; on reconnecting with its
 * current credential it receives a new one, and the old one is refused from then on.
 */
export function registerRotateHost(app: FastifyInstance, auth: AuthServices): void {
  app.post("/api/hosts/:hostId/rotate", { config: { access: ADMIN_ONLY } }, async (request, reply) => {
    const { hostId } = parseInput("params", HostParams, request.params);
    const actor = actorOf(requirePrincipal(request), request.ip);
    const agentWasOnline = await auth.enrolment.rotate(hostId, actor);
    const body: CredentialRotationResponse = { hostId, agentWasOnline };
    return reply.status(202).send(body);
  });
}
