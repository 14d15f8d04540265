import type { AgentUrlSetting } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { ADMIN_ONLY } from "../access.ts";
import { agentUrlSetting } from "../hosts/agent-url.ts";

/** GET /api/settings/agent-url (ADMIN): where new agents are told to dial, why, and what is wrong with it. */
export function registerGetAgentUrl(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    "/api/settings/agent-url",
    { config: { access: ADMIN_ONLY } },
    async (request): Promise<AgentUrlSetting> => agentUrlSetting(request, ctx),
  );
}
