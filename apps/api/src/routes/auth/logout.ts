import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AuthServices } from "../../auth/auth-services.ts";
import { clearedSessionCookie } from "../../auth/session-cookie.ts";
import { signOutEverywhere, signOutSession, type UserSocketCloser } from "../../auth/sign-out.ts";
import { requirePrincipal } from "../access.ts";

/**
 * POST /api/auth/logout ends this browser's session only and closes the live sockets opened
 * under it; POST /api/auth/logout-everywhere ends every session of the user and closes all
 * their live sockets at once. Both are audited; a password change still ends every session.
 */
export function registerLogout(
  app: FastifyInstance,
  auth: AuthServices,
  liveSockets: UserSocketCloser,
): void {
  app.post("/api/auth/logout", { config: { access: "signed-in" } }, async (request, reply) => {
    const principal = requirePrincipal(request);
    await signOutSession(auth.sessions, liveSockets, principal, "you logged out");
    await auth.audit.record(actorOf(principal, request.ip), { action: "session.logout" }, "succeeded");
    reply.header("set-cookie", clearedSessionCookie(auth.secureCookie));
    return reply.status(204).send();
  });
  app.post("/api/auth/logout-everywhere", { config: { access: "signed-in" } }, async (request, reply) => {
    const principal = requirePrincipal(request);
    await signOutEverywhere(auth.sessions, liveSockets, principal.userId, "you logged out everywhere");
    await auth.audit.record(
      actorOf(principal, request.ip),
      { action: "session.logout_everywhere" },
      "succeeded",
    );
    reply.header("set-cookie", clearedSessionCookie(auth.secureCookie));
    return reply.status(204).send();
  });
}
