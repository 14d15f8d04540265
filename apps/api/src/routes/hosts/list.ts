import { type Host, ListHostsQuery } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { parseInput } from "../../errors/validate.ts";
import type { StoredContainer } from "../../store/store.ts";
import { toHost } from "./to-host.ts";

/**
 * GET /api/hosts — every host with its state and container counts; the hosts deleted with their
 * data kept only with `?include=deleted`.
 */
export function registerListHosts(app: FastifyInstance, ctx: AppContext): void {
  app.get("/api/hosts", { config: { access: "signed-in" } }, async (request): Promise<Host[]> => {
    const { include } = parseInput("query", ListHostsQuery, request.query);
    const [all, containers] = await Promise.all([ctx.store.hosts.list(), ctx.store.containers.list()]);
    const records = include === "deleted" ? all : all.filter((record) => record.deletedAt === null);
    const byHost = new Map<string, StoredContainer[]>();
    for (const container of containers) {
      const list = byHost.get(container.hostId) ?? [];
      list.push(container);
      byHost.set(container.hostId, list);
    }
    return records.map((record) => toHost(ctx, record, byHost.get(record.id) ?? []));
  });
}
