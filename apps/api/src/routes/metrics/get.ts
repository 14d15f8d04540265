import type { MetricsResponse } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors/app-error.ts";
import { parseInput } from "../../errors/validate.ts";
import { findHost } from "../hosts/find-host.ts";
import { ContainerParams, EpochMsParam } from "../params.ts";

const HOUR = 3_600_000;
const DEFAULT_RANGE_MS = HOUR;
const MAX_RANGE_MS = 31 * 24 * HOUR;
/** Up to this range raw samples are returned (7,200 points at a 1 s interval); beyond it, 1-minute rollups. */
const RAW_MAX_RANGE_MS = 2 * HOUR;

/** The query of GET …/metrics; exported for the property test over every query schema. */
export const MetricsQuery = z.object({ from: EpochMsParam.optional(), to: EpochMsParam.optional() }).strict();

/** GET /api/hosts/:hostId/containers/:containerId/metrics?from=&to= */
export function registerGetMetrics(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    "/api/hosts/:hostId/containers/:containerId/metrics",
    { config: { access: "signed-in" } },
    async (request): Promise<MetricsResponse> => {
      const { hostId, containerId } = parseInput("params", ContainerParams, request.params);
      const query = parseInput("query", MetricsQuery, request.query);
      const now = Date.now();
      const to = query.to ?? now;
      // Never before the epoch: the response's `from` is an EpochMs.
      const from = query.from ?? Math.max(0, to - DEFAULT_RANGE_MS);
      if (from > to)
        throw new AppError("bad_request", "query.from: must not be after `to`", { field: "query.from" });
      if (to - from > MAX_RANGE_MS) {
        throw new AppError("bad_request", "query.from: the range is longer than 31 days", {
          field: "query.from",
        });
      }
      await findHost(ctx, hostId);
      // Raw samples only where they are still kept; otherwise the rollups cover the range.
      const raw = to - from <= RAW_MAX_RANGE_MS && from >= now - ctx.config.retention.rawMetricsMs;
      const range = { hostId, containerId, from, to };
      const points = raw ? await ctx.store.metrics.raw(range) : await ctx.store.metrics.rollups(range);
      return { resolution: raw ? "raw" : "1m", from, to, points };
    },
  );
}
