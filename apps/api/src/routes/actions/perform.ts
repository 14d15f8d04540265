import { ActionRequest, type ActionResponse } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { type ActionDeps, performAction } from "../../actions/perform-action.ts";
import { parseInput } from "../../errors/validate.ts";
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
      });
      return { outcome };
    },
  );
}
