import type { FastifyInstance } from "fastify";
import type { AuthServices } from "../../auth/auth-services.ts";
import { requireAdmin } from "../../auth/request-guard.ts";
import { parseInput } from "../../errors/validate.ts";
import { HostParams } from "../params.ts";

/** POST /api/hosts/:hostId/revoke (ADMIN): the credential stops working and the agent is disconnected now. */
export function registerRevokeHost(app: FastifyInstance, auth: AuthServices): void {
  app.post("/api/hosts/:hostId/revoke", async (request, reply) => {
    requireAdmin(request);
    const { hostId } = parseInput("params", HostParams, request.params);
    await auth.enrolment.revoke(hostId);
    return reply.status(204).send();
  });
}
