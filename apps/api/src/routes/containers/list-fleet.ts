import type { ContainerView } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { toContainerView } from "./to-view.ts";

/** GET /api/containers — every container of every host not deleted, for the fleet table. */
export function registerListFleetContainers(app: FastifyInstance, ctx: AppContext): void {
  app.get("/api/containers", { config: { access: "signed-in" } }, async (): Promise<ContainerView[]> => {
    const [containers, hosts] = await Promise.all([ctx.store.containers.list(), ctx.store.hosts.list()]);
    const deleted = new Set(hosts.filter((host) => host.deletedAt !== null).map((host) => host.id));
    return containers
      .filter((container) => !deleted.has(container.hostId))
      .map((container) => toContainerView(ctx, container));
  });
}
