import { agentUrlWarnings, type EnrolmentResponse } from "@crowsnest/protocol";
import type { IssuedEnrolment } from "../../auth/host-enrolment.ts";
import type { AppContext } from "../../context.ts";
import { toHost } from "./to-host.ts";

/** The response of POST /api/hosts and of a re-issue: the host as GET /api/hosts/:hostId shows it, and the token, once. */
export async function enrolmentResponse(
  ctx: AppContext,
  issued: IssuedEnrolment,
): Promise<EnrolmentResponse> {
  const containers = await ctx.store.containers.list(issued.host.id);
  return {
    host: toHost(ctx, issued.host, containers),
    enrolmentToken: issued.token,
    expiresAt: issued.expiresAt,
    agentUrl: issued.agentUrl,
    agentCommand: issued.runWays.npm,
    runWays: issued.runWays,
    warnings: agentUrlWarnings(issued.agentUrl),
  };
}
