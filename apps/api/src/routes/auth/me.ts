import type { Me } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { requirePrincipal } from "../access.ts";

/** GET /api/me: who the session belongs to, for the dashboard to mirror the role's permissions. */
export function registerGetMe(app: FastifyInstance): void {
  app.get("/api/me", { config: { access: "signed-in" } }, async (request) => {
    const { userId, username, role } = requirePrincipal(request);
    const me: Me = { id: userId, username, role };
    return me;
  });
}
