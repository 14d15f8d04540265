import { UpdateUserRequest, type User } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AuthServices } from "../../auth/auth-services.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";
import { UserIdParams } from "./user-id.ts";

/**
 * PATCH /api/users/:id (ADMIN): role, disabled, password. The user is signed out everywhere;
 * 409 when it would leave no enabled ADMIN.
 */
export function registerUpdateUser(app: FastifyInstance, auth: AuthServices): void {
  app.patch("/api/users/:id", { config: { access: ADMIN_ONLY } }, async (request): Promise<User> => {
    const { id } = parseInput("params", UserIdParams, request.params);
    const body = parseInput("body", UpdateUserRequest, request.body);
    return auth.userAdmin.update(id, body, actorOf(requirePrincipal(request), request.ip));
  });
}
