import type { FastifyInstance } from "fastify";
import type { AuthServices } from "../auth/auth-services.ts";
import type { AppContext } from "../context.ts";
import { registerPerformAction } from "./actions/perform.ts";
import { registerListAudit } from "./audit/list.ts";
import { registerLogin } from "./auth/login.ts";
import { registerLogout } from "./auth/logout.ts";
import { registerGetMe } from "./auth/me.ts";
import { registerEnrolHost } from "./enrolment/enrol.ts";
import { registerRevokeHost } from "./enrolment/revoke.ts";
import { registerRotateHost } from "./enrolment/rotate.ts";
import { registerCreateUser } from "./users/create.ts";
import { registerDeleteUser } from "./users/delete.ts";
import { registerListUsers } from "./users/list.ts";
import { registerUpdateUser } from "./users/update.ts";

/** The people-and-control routes: sessions, users, host enrolment, container actions, audit. */
export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext, auth: AuthServices): void {
  const { store } = ctx;
  registerLogin(app, auth, store);
  registerLogout(app, auth, ctx.hub);
  registerGetMe(app);
  registerListUsers(app, auth);
  registerCreateUser(app, auth);
  registerUpdateUser(app, auth);
  registerDeleteUser(app, auth);
  registerEnrolHost(app, ctx, auth);
  registerRevokeHost(app, auth);
  registerRotateHost(app, auth);
  registerPerformAction(app, { store, agents: ctx.agents, now: Date.now });
  registerListAudit(app, store);
}
