import type { ContainerView } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { parseInput } from "../../errors/validate.ts";
import { findHost } from "../hosts/find-host.ts";
import { HostParams } from "../params.ts";
import { toContainerView } from "./to-view.ts";

/** GET /api/hosts/:hostId/containers */
export function registerListContainers(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    "/api/hosts/:hostId/containers",
    { config: { access: "signed-in" } },
    async (request): Promise<ContainerView[]> => {
      const { hostId } = parseInput("params", HostParams, request.params);
      await findHost(ctx, hostId);
      const containers = await ctx.store.containers.list(hostId);
      return containers.map((container) => toContainerView(ctx, container));
    },
  );
}
