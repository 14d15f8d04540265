import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AuthServices } from "../../auth/auth-services.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";
import { UserIdParams } from "./user-id.ts";

/** DELETE /api/users/:id (ADMIN): 204; 409 for the last enabled ADMIN. */
export function registerDeleteUser(app: FastifyInstance, auth: AuthServices): void {
  app.delete("/api/users/:id", { config: { access: ADMIN_ONLY } }, async (request, reply) => {
    const { id } = parseInput("params", UserIdParams, request.params);
    await auth.userAdmin.delete(id, actorOf(requirePrincipal(request), request.ip));
    return reply.status(204).send();
  });
}
