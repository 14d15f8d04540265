import type { Config } from "../config.ts";
import { HostCredentialAuthenticator } from "../ingest/agent-authenticator.ts";
import { registerAuthRoutes } from "../routes/auth-routes.ts";
import type { ServerDeps } from "../server.ts";
import type { Store } from "../store/store.ts";
import { type AuthCore, createAuthCore, createAuthServices } from "./auth-services.ts";
import { EnrollingAgentAuthenticator } from "./enrolling-agent-authenticator.ts";
import { SessionBrowserAuthenticator } from "./live-authenticator.ts";
import { sessionAuthenticator } from "./session-authenticator.ts";

/** How often expired sessions are deleted; they are refused on use anyway, this only keeps the table small. */
const SESSION_SWEEP_MS = 10 * 60_000;

export type AuthServerParts = Pick<
  ServerDeps,
  "agentAuthenticator" | "browserAuthenticator" | "requestAuthenticator" | "extraRoutes"
> & { core: AuthCore };

/**
 * The auth half's contribution to `buildServer`: the /ws/agent and /ws/live authenticators, the
 * session check of REST routes, and the routes for sessions, users, enrolment, actions and audit.
 */
export function authServerParts(config: Config, store: Store, now: () => number = Date.now): AuthServerParts {
  const core = createAuthCore(config, store, now);
  return {
    core,
    agentAuthenticator: new EnrollingAgentAuthenticator(
      new HostCredentialAuthenticator(store.hostCredentials),
      store,
      now,
    ),
    browserAuthenticator: new SessionBrowserAuthenticator(core.sessions, config.publicUrl),
    requestAuthenticator: sessionAuthenticator(core.sessions),
    extraRoutes(app, ctx) {
      const services = createAuthServices(core, config, store, ctx.hub, ctx.agents, now);
      registerAuthRoutes(app, ctx, services);
      const sweep = setInterval(() => {
        Promise.all([core.sessions.sweep(), core.throttle.sweep()]).catch((err: unknown) =>
          app.log.error({ err }, "session sweep failed"),
        );
      }, SESSION_SWEEP_MS);
      sweep.unref();
      app.addHook("onClose", async () => clearInterval(sweep));
    },
  };
}
