import { ReissueEnrolmentRequest } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AppContext } from "../../context.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";
import { HostParams } from "../params.ts";
import { agentUrlOf } from "./agent-url.ts";
import { enrolmentResponse } from "./enrolment-response.ts";

/**
 * POST /api/hosts/:hostId/enrolment-token (ADMIN): a new single-use enrolment token, shown once, for
 * a host whose agent has not connected (or whose credential was revoked); 409 for any other host.
 */
export function registerReissueEnrolment(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    "/api/hosts/:hostId/enrolment-token",
    { config: { access: ADMIN_ONLY } },
    async (request, reply) => {
      const { hostId } = parseInput("params", HostParams, request.params);
      const body = parseInput("body", ReissueEnrolmentRequest, request.body ?? {});
      const agentUrl = await agentUrlOf(request, ctx, body.agentUrl);
      const actor = actorOf(requirePrincipal(request), request.ip);
      const issued = await ctx.auth.enrolment.reissue(hostId, actor, agentUrl);
      return reply.status(201).send(await enrolmentResponse(ctx, issued));
    },
  );
}
