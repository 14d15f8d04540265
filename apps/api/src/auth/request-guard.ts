import type { FastifyRequest } from "fastify";
import { AppError } from "../errors/app-error.ts";
import { decideAdministration } from "../policy/role-action.ts";
import { isOwnOrigin } from "./origin-check.ts";
import type { Principal } from "./principal.ts";
import { readSessionToken } from "./session-cookie.ts";
import type { SessionManager } from "./sessions.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the session guard on every /api request that needs a session. */
    principal: Principal | null;
  }
}

/**
 * The server's API guard: every /api route not marked public (health, login), and every unknown
 * /api path, needs a live session. It runs on onRequest, before the body is even read.
 * A state-changing request that names a foreign Origin is refused too: SameSite=Lax already keeps
 * the cookie off cross-site requests, and this also stops a sibling site on the same domain.
 * `request.principal` must be declared with `app.decorateRequest("principal", null)`.
 */
export function sessionGuard(
  sessions: SessionManager,
  publicUrl: string | null,
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const safe = request.method === "GET" || request.method === "HEAD";
    if (!safe && request.headers.origin !== undefined && !isOwnOrigin(request.headers, publicUrl)) {
      throw new AppError("forbidden", "the Origin of this request is not this server's");
    }
    const token = readSessionToken(request.headers.cookie);
    const session = token === null ? null : await sessions.resolve(token);
    if (!session) throw new AppError("unauthorized", "sign in first");
    request.principal = session.principal;
  };
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError("unauthorized", "sign in first");
  return request.principal;
}

export function requireAdmin(request: FastifyRequest): Principal {
  const principal = requirePrincipal(request);
  const decision = decideAdministration(principal.role);
  if (!decision.allowed) throw new AppError("forbidden", decision.reason);
  return principal;
}
