import { type AgentUrlSetting, agentUrlWarnings } from "@crowsnest/protocol";
import type { FastifyRequest } from "fastify";
import { agentUrlFor } from "../../auth/host-enrolment.ts";
import type { AppContext } from "../../context.ts";

/** The settings key under which the URL an admin chose for new agents is stored. */
export const AGENT_URL_SETTING = "agent-url";

/**
 * Where a new agent should dial, and why: the URL an admin saved (PUT /api/settings/agent-url),
 * else CROWSNEST_PUBLIC_URL's agent endpoint, else the address this request came to (a guess: on a
 * fresh install, often localhost); with what is wrong with it for an agent on another machine.
 */
export async function agentUrlSetting(request: FastifyRequest, ctx: AppContext): Promise<AgentUrlSetting> {
  const saved = await ctx.store.settings.get(AGENT_URL_SETTING);
  const { publicUrl } = ctx.auth;
  const [agentUrl, source]: [string, AgentUrlSetting["source"]] =
    saved !== null
      ? [saved, "saved"]
      : publicUrl !== null
        ? [agentUrlFor(publicUrl), "public-url"]
        : [agentUrlFor(`${request.protocol}://${request.host}`), "request"];
  return { agentUrl, source, warnings: agentUrlWarnings(agentUrl) };
}

/** The URL a new enrolment's command points at: the one the request chose, else the setting's. */
export async function agentUrlOf(
  request: FastifyRequest,
  ctx: AppContext,
  chosen: string | undefined,
): Promise<string> {
  return chosen ?? (await agentUrlSetting(request, ctx)).agentUrl;
}
