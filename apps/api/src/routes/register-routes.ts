import type { FastifyInstance } from "fastify";
import type { AppContext } from "../context.ts";
import { registerPerformAction } from "./actions/perform.ts";
import { registerListAudit } from "./audit/list.ts";
import { registerLogin } from "./auth/login.ts";
import { registerLogout } from "./auth/logout.ts";
import { registerGetMe } from "./auth/me.ts";
import { registerGetContainerEvents } from "./containers/events.ts";
import { registerGetContainer } from "./containers/get.ts";
import { registerListContainers } from "./containers/list.ts";
import { registerListFleetContainers } from "./containers/list-fleet.ts";
import { registerGetHealth } from "./health/get.ts";
import { registerDeleteHost } from "./hosts/delete.ts";
import { registerEnrolHost } from "./hosts/enrol.ts";
import { registerGetHost } from "./hosts/get.ts";
import { registerListHosts } from "./hosts/list.ts";
import { registerReissueEnrolment } from "./hosts/reissue.ts";
import { registerRevokeHost } from "./hosts/revoke.ts";
import { registerRotateHost } from "./hosts/rotate.ts";
import { registerGetLogs } from "./logs/get.ts";
import { registerGetMetrics } from "./metrics/get.ts";
import { registerGetAgentUrl } from "./settings/get-agent-url.ts";
import { registerUpdateAgentUrl } from "./settings/update-agent-url.ts";
import { registerCreateUser } from "./users/create.ts";
import { registerDeleteUser } from "./users/delete.ts";
import { registerListUsers } from "./users/list.ts";
import { registerUpdateUser } from "./users/update.ts";

/**
 * Every REST route of the API, by resource: a folder per resource under routes/, a file per
 * operation. Each route declares who may call it (`config.access`, access.ts).
 */
export function registerRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { auth, store } = ctx;
  registerGetHealth(app, ctx);

  registerLogin(app, auth, store);
  registerLogout(app, auth, ctx.liveSockets);
  registerGetMe(app);

  registerListUsers(app, auth);
  registerCreateUser(app, auth);
  registerUpdateUser(app, auth);
  registerDeleteUser(app, auth);

  registerListHosts(app, ctx);
  registerGetHost(app, ctx);
  registerEnrolHost(app, ctx);
  registerRevokeHost(app, auth);
  registerRotateHost(app, auth);
  registerReissueEnrolment(app, ctx);
  registerDeleteHost(app, auth);
  registerGetAgentUrl(app, ctx);
  registerUpdateAgentUrl(app, ctx);

  registerListFleetContainers(app, ctx);
  registerListContainers(app, ctx);
  registerGetContainer(app, ctx);
  registerGetContainerEvents(app, ctx);
  registerPerformAction(app, { store, agents: ctx.commands, relayed: ctx.relayed, now: Date.now });

  registerGetMetrics(app, ctx);
  registerGetLogs(app, ctx);
  registerListAudit(app, store);
}
