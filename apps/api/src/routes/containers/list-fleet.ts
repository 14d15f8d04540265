import type { ContainerView } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { toContainerView } from "./to-view.ts";

/** GET /api/containers — every container of every host, for the fleet table. */
export function registerListFleetContainers(app: FastifyInstance, ctx: AppContext): void {
  app.get("/api/containers", { config: { access: "signed-in" } }, async (): Promise<ContainerView[]> => {
    const containers = await ctx.store.containers.list();
    return containers.map((container) => toContainerView(ctx, container));
  });
}
