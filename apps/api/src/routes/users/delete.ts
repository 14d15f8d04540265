import type { FastifyInstance } from "fastify";
import type { AuthServices } from "../../auth/auth-services.ts";
import { requireAdmin } from "../../auth/request-guard.ts";
import { parseInput } from "../../errors/validate.ts";
import { UserIdParams } from "./user-id.ts";

/** DELETE /api/users/:id (ADMIN): 204; 409 for the last enabled ADMIN. */
export function registerDeleteUser(app: FastifyInstance, auth: AuthServices): void {
  app.delete("/api/users/:id", async (request, reply) => {
    requireAdmin(request);
    const { id } = parseInput("params", UserIdParams, request.params);
    await auth.userAdmin.delete(id);
    return reply.status(204).send();
  });
}
