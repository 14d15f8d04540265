import type { Host } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import type { StoredContainer } from "../../store/store.ts";
import { toHost } from "./to-host.ts";

/** GET /api/hosts — every host with its status and container counts. */
export function registerListHosts(app: FastifyInstance, ctx: AppContext): void {
  app.get("/api/hosts", { config: { access: "signed-in" } }, async (): Promise<Host[]> => {
    const [records, containers] = await Promise.all([ctx.store.hosts.list(), ctx.store.containers.list()]);
    const byHost = new Map<string, StoredContainer[]>();
    for (const container of containers) {
      const list = byHost.get(container.hostId) ?? [];
      list.push(container);
      byHost.set(container.hostId, list);
    }
    return records.map((record) => toHost(ctx, record, byHost.get(record.id) ?? []));
  });
}
