import type { Role } from "@crowsnest/protocol";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import { isSameOriginRequest } from "../auth/origin-check.ts";
import type { Principal } from "../auth/principal.ts";
import { AppError } from "../errors/app-error.ts";

/**
 * Who may call a route, declared on the route itself (`config.access`) and decided on the route
 * that matched, never on the raw URL (`/%61pi/…` matches `/api/…` after decoding):
 * - `"public"`: anyone, no session (health, login, the dashboard's pages and assets);
 * - `"signed-in"`: any user with a live session, whatever the role;
 * - `{ roles }`: a signed-in user holding one of these roles (403 otherwise).
 * Agents authenticate on the /ws/agent upgrade, which is not a Fastify route.
 */
export type RouteAccess = "public" | "signed-in" | { roles: readonly Role[] };

/** Managing users and hosts and reading the audit log (DESIGN.md, role × action). */
export const ADMIN_ONLY: RouteAccess = { roles: ["ADMIN"] };

declare module "fastify" {
  interface FastifyContextConfig {
    /** Required on every route: a route that declares nothing cannot be registered. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The signed-in caller on every route that is not public; null on public routes. */
    principal: Principal | null;
  }
}

/** One registered route and who may call it; HEAD routes Fastify adds for GET ones are listed too. */
export interface DeclaredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

/** Finds who sent a request from its credentials (the session cookie); null for nobody. */
export type RequestAuthenticator = (request: FastifyRequest) => Promise<Principal | null>;

/** Methods that change nothing: every other one must come from our own pages (see below). */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Installs deny-by-default authorisation on `app`, before any route is added:
 * - registering a route without `config.access` throws, so such a server cannot start;
 * - each request is decided on the route that matched; a request no route matched (404) needs a
 *   session, and so do unknown paths under /api and /ws (registerUnknownServerPaths), so they
 *   reveal nothing to strangers even where the dashboard's public catch-all would take them;
 * - a state-changing request (any method but GET, HEAD, OPTIONS), public ones such as login
 *   included, must come from our own origin (`Origin`, else `Sec-Fetch-Site: same-origin`): the
 *   session cookie rides along on cross-site requests that SameSite=Lax lets through.
 * Errors: AppError `forbidden` (foreign origin, role not allowed), `unauthorized` (no session).
 * Returns the table of routes, filled as they are registered: what is exposed, and to whom.
 */
export function enforceRouteAccess(
  app: FastifyInstance,
  authenticate: RequestAuthenticator,
  publicUrl: string | null,
): readonly DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  app.decorateRequest("principal", null);
  app.addHook("onRoute", (route: RouteOptions) => {
    const access = route.config?.access;
    const { url } = route;
    if (access === undefined) {
      throw new Error(`route ${String(route.method)} ${url} declares no access (config.access)`);
    }
    for (const method of [route.method].flat()) routes.push({ method, url, access });
  });
  app.addHook("onRequest", async (request) => {
    if (!SAFE_METHODS.has(request.method) && !isSameOriginRequest(request, publicUrl)) {
      throw new AppError("forbidden", "this request did not come from this server's own pages");
    }
    const access = request.routeOptions.config.access ?? "signed-in";
    if (access === "public") return;
    const principal = await authenticate(request);
    if (!principal) throw new AppError("unauthorized", "sign in first");
    if (access !== "signed-in" && !access.roles.includes(principal.role)) {
      throw new AppError("forbidden", `only ${access.roles.join(" or ")} can do this`);
    }
    request.principal = principal;
  });
  return routes;
}

/** The caller of a route declared `"signed-in"` or with roles; throws `unauthorized` on a public one. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError("unauthorized", "sign in first");
  return request.principal;
}

/**
 * Paths under /api and /ws that no route serves: a 404 for the signed-in, a 401 for strangers,
 * so that which API routes exist is not for strangers to map. Registered as routes (not left to
 * the dashboard's public `/*`) so that the decision stays on the route that matched.
 */
export function registerUnknownServerPaths(app: FastifyInstance): void {
  for (const url of ["/api", "/api/*", "/ws/*"]) {
    app.all(url, { config: { access: "signed-in" } }, async (request) => {
      throw new AppError("not_found", `no route ${request.method} ${request.url}`);
    });
  }
}
