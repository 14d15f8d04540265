import { EnrolHostRequest } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AppContext } from "../../context.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";
import { agentUrlOf } from "./agent-url.ts";
import { enrolmentResponse } from "./enrolment-response.ts";

/**
 * POST /api/hosts (ADMIN): creates a host and its single-use enrolment token, shown once; 409 when
 * a host has the name already, regardless of case.
 */
export function registerEnrolHost(app: FastifyInstance, ctx: AppContext): void {
  const { auth } = ctx;
  app.post("/api/hosts", { config: { access: ADMIN_ONLY } }, async (request, reply) => {
    const principal = requirePrincipal(request);
    const body = parseInput("body", EnrolHostRequest, request.body);
    const agentUrl = await agentUrlOf(request, ctx, body.agentUrl);
    const issued = await auth.enrolment.enrol(body.name, actorOf(principal, request.ip), agentUrl);
    return reply.status(201).send(await enrolmentResponse(ctx, issued));
  });
}
