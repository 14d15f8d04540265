import type { ContainerEventsResponse } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors/app-error.ts";
import { parseInput } from "../../errors/validate.ts";
import { findHost } from "../hosts/find-host.ts";
import { ContainerParams, EpochMsParam, limitParam, MAX_EPOCH_MS } from "../params.ts";

const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1_000;

const ContainerEventsQuery = z
  .object({
    from: EpochMsParam.optional(),
    to: EpochMsParam.optional(),
    limit: limitParam(MAX_LIMIT).optional(),
  })
  .strict();

/**
 * GET /api/hosts/:hostId/containers/:containerId/events?from=&to=&limit= — the container's stored
 * lifecycle events (a removed container's too), oldest first: the newest `limit` in the range.
 */
export function registerGetContainerEvents(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    "/api/hosts/:hostId/containers/:containerId/events",
    { config: { access: "signed-in" } },
    async (request): Promise<ContainerEventsResponse> => {
      const { hostId, containerId } = parseInput("params", ContainerParams, request.params);
      const query = parseInput("query", ContainerEventsQuery, request.query);
      const from = query.from ?? 0;
      const to = query.to ?? MAX_EPOCH_MS;
      if (from > to)
        throw new AppError("bad_request", "query.from: must not be after `to`", { field: "query.from" });
      await findHost(ctx, hostId);
      const limit = query.limit ?? DEFAULT_LIMIT;
      return { events: await ctx.store.containers.events({ hostId, containerId, from, to, limit }) };
    },
  );
}
