import type { Host } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../context.ts";
import { parseInput } from "../../errors/validate.ts";
import { HostParams } from "../params.ts";
import { findHost } from "./find-host.ts";
import { toHost } from "./to-host.ts";

/** GET /api/hosts/:hostId */
export function registerGetHost(app: FastifyInstance, ctx: AppContext): void {
  app.get("/api/hosts/:hostId", { config: { access: "signed-in" } }, async (request): Promise<Host> => {
    const { hostId } = parseInput("params", HostParams, request.params);
    const record = await findHost(ctx, hostId);
    return toHost(ctx, record, await ctx.store.containers.list(hostId));
  });
}
