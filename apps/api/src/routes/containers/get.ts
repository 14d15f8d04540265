import type { ContainerView } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors/app-error.ts";
import { parseInput } from "../../errors/validate.ts";
import { findRelayed } from "../../live/live-publisher.ts";
import { ContainerParams } from "../params.ts";
import { toContainerView } from "./to-view.ts";

/**
 * GET /api/hosts/:hostId/containers/:containerId — by full container id only. A removed container
 * answers with its last known record and `removedAt` until retention drops it. One a browser saw
 * in a live event before it was stored is answered once it is (findRelayed).
 */
export function registerGetContainer(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    "/api/hosts/:hostId/containers/:containerId",
    { config: { access: "signed-in" } },
    async (request): Promise<ContainerView> => {
      const { hostId, containerId } = parseInput("params", ContainerParams, request.params);
      const container = await findRelayed(ctx.relayed, hostId, () =>
        ctx.store.containers.find(hostId, containerId),
      );
      if (!container) throw new AppError("not_found", `no container ${containerId} on host ${hostId}`);
      return toContainerView(ctx, container);
    },
  );
}
