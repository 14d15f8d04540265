import { ActionRequest, type ActionResponse } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { type ActionDeps, performAction } from "../../actions/perform-action.ts";
import { AppError } from "../../errors/app-error.ts";
import { parseInput } from "../../errors/validate.ts";
import { AgentUnavailableError } from "../../ingest/agent-unavailable.ts";
import { requirePrincipal } from "../access.ts";
import { ContainerParams } from "../params.ts";

/**
 * POST /api/hosts/:hostId/containers/:containerId/actions. A malformed id is refused here, before
 * any lookup; an id unknown on that host is a 404; both never reach an agent.
 */
export function registerPerformAction(app: FastifyInstance, deps: ActionDeps): void {
  app.post(
    "/api/hosts/:hostId/containers/:containerId/actions",
    { config: { access: "signed-in" } },
    async (request): Promise<ActionResponse> => {
      const principal = requirePrincipal(request);
      const { hostId, containerId } = parseInput("params", ContainerParams, request.params);
      const { action, options } = parseInput("body", ActionRequest, request.body);
      const outcome = await performAction(deps, {
        principal,
        clientAddress: request.ip,
        hostId,
        containerId,
        action,
        options,
      }).catch(asAppError);
      return { outcome };
    },
  );
}

/** The agent registry's failure as the API states it: 409 `agent_offline`, 504 `agent_timeout`. */
function asAppError(err: unknown): never {
  if (!(err instanceof AgentUnavailableError)) throw err;
  const code = err.reason === "offline" ? "agent_offline" : "agent_timeout";
  throw new AppError(code, err.message, { cause: err });
}
