import { type AgentUrlSetting, UpdateAgentUrlSetting } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { AGENT_URL_SETTING } from "../../auth/agent-url.ts";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AppContext } from "../../context.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";
import { agentUrlSetting } from "../hosts/agent-url.ts";

/**
 * PUT /api/settings/agent-url (ADMIN): remembers the URL new agents are told to dial (null forgets
 * it, back to CROWSNEST_PUBLIC_URL's or the browser's address); audited as `host.agent_url`.
 */
export function registerUpdateAgentUrl(app: FastifyInstance, ctx: AppContext): void {
  app.put(
    "/api/settings/agent-url",
    { config: { access: ADMIN_ONLY } },
    async (request): Promise<AgentUrlSetting> => {
      const { agentUrl } = parseInput("body", UpdateAgentUrlSetting, request.body);
      const actor = actorOf(requirePrincipal(request), request.ip);
      const event = { action: "host.agent_url", detail: agentUrl ?? "cleared: the default again" } as const;
      await ctx.auth.audit.run(actor, event, () =>
        ctx.store.settings.set(AGENT_URL_SETTING, agentUrl, Date.now()),
      );
      return agentUrlSetting(request, ctx);
    },
  );
}
