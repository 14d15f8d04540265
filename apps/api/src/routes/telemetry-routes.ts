import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { registerGetContainer } from "./containers/get.ts";
import { registerListContainers } from "./containers/list.ts";
import { registerListFleetContainers } from "./containers/list-fleet.ts";
import { registerGetHealth } from "./health/get.ts";
import { registerGetHost } from "./hosts/get.ts";
import { registerListHosts } from "./hosts/list.ts";
import { registerGetLogs } from "./logs/get.ts";
import { registerGetMetrics } from "./metrics/get.ts";

/** The read side of the API: health, hosts, containers, metrics history and logs. */
export function registerTelemetryRoutes(app: FastifyInstance, ctx: AppContext): void {
  registerGetHealth(app, ctx);
  registerListHosts(app, ctx);
  registerGetHost(app, ctx);
  registerListFleetContainers(app, ctx);
  registerListContainers(app, ctx);
  registerGetContainer(app, ctx);
  registerGetMetrics(app, ctx);
  registerGetLogs(app, ctx);
}
