import type { AgentUrlSetting } from "@crowsnest/protocol";
import type { FastifyRequest } from "fastify";
import { type AgentUrlSources, enrolmentAgentUrl, savedOrGuessedAgentUrl } from "../../auth/agent-url.ts";
import type { AppContext } from "../../context.ts";

/** What a request chooses the agent URL from: the store's setting, CROWSNEST_PUBLIC_URL, the address it came to. */
function sourcesOf(request: FastifyRequest, ctx: AppContext): AgentUrlSources {
  return {
    settings: ctx.store.settings,
    publicUrl: ctx.auth.publicUrl,
    guessBaseUrl: `${request.protocol}://${request.host}`,
  };
}

/** GET/PUT /api/settings/agent-url's answer: the URL for new agents, its source and warnings (auth/agent-url.ts). */
export async function agentUrlSetting(request: FastifyRequest, ctx: AppContext): Promise<AgentUrlSetting> {
  return savedOrGuessedAgentUrl(sourcesOf(request, ctx));
}

/** The URL a new enrolment's command points at: the one the request chose, else the setting's. */
export async function agentUrlOf(
  request: FastifyRequest,
  ctx: AppContext,
  chosen: string | undefined,
): Promise<string> {
  return (await enrolmentAgentUrl(sourcesOf(request, ctx), chosen)).agentUrl;
}
