import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AuthServices } from "../../auth/auth-services.ts";
import { clearedSessionCookie } from "../../auth/session-cookie.ts";
import { signOutEverywhere, type UserSocketCloser } from "../../auth/sign-out.ts";
import { requirePrincipal } from "../access.ts";

/**
 * POST /api/auth/logout: as DESIGN.md decides, logging out ends every session of the user and
 * closes their live sockets, not only this browser's, so "log out" always means "out everywhere".
 */
export function registerLogout(
  app: FastifyInstance,
  auth: AuthServices,
  liveSockets: UserSocketCloser,
): void {
  app.post("/api/auth/logout", { config: { access: "signed-in" } }, async (request, reply) => {
    const principal = requirePrincipal(request);
    await signOutEverywhere(auth.sessions, liveSockets, principal.userId, "you logged out");
    await auth.audit.record(actorOf(principal, request.ip), { action: "session.logout" }, "succeeded");
    reply.header("set-cookie", clearedSessionCookie(auth.secureCookie));
    return reply.status(204).send();
  });
}
