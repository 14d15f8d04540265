import { LoginRequest, type Me } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AuthServices } from "../../auth/auth-services.ts";
import { logIn } from "../../auth/login.ts";
import { sessionCookie } from "../../auth/session-cookie.ts";
import { parseInput } from "../../errors/validate.ts";
import type { Store } from "../../store/store.ts";

/** POST /api/auth/login: checks the password, opens a new session and sets its cookie. */
export function registerLogin(app: FastifyInstance, auth: AuthServices, store: Store): void {
  app.post("/api/auth/login", { config: { access: "public" } }, async (request, reply) => {
    const body = parseInput("body", LoginRequest, request.body);
    const deps = {
      users: store.users,
      hasher: auth.hasher,
      sessions: auth.sessions,
      throttle: auth.throttle,
      gate: auth.gate,
      audit: auth.audit,
    };
    const { token, user } = await logIn(deps, body.username, body.password, request.ip);
    const maxAgeSeconds = Math.floor(auth.sessionMaxAgeMs / 1000);
    reply.header("set-cookie", sessionCookie(token, { secure: auth.secureCookie, maxAgeSeconds }));
    const me: Me = { id: user.id, username: user.username, role: user.role };
    return me;
  });
}
