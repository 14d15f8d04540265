import { METRIC_POINTS_TARGET, type MetricsResponse } from "@crowsnest/protocol";
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
/**
 * How far before the raw tier's retention a range may start and still be answered from raw
 * samples: the chart's 24 h range, computed by the browser a moment before the server handles it,
 * starts a little before `now − 24 h`; only its first moments may be gone to retention.
 */
const RAW_SLACK_MS = 60_000;

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
      // Raw samples where they are still kept, otherwise the rollups; reduced on the server to what a chart shows.
      const tier = from >= now - ctx.config.retention.rawMetricsMs - RAW_SLACK_MS ? "raw" : "1m";
      const { points, bucketMs } = await ctx.store.metrics.history({
        hostId,
        containerId,
        from,
        to,
        tier,
        maxPoints: METRIC_POINTS_TARGET,
      });
      return { resolution: bucketMs === null ? tier : "buckets", bucketMs, from, to, points };
    },
  );
}
