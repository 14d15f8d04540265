import { CreateUserRequest } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { actorOf } from "../../auth/audit-trail.ts";
import type { AuthServices } from "../../auth/auth-services.ts";
import { parseInput } from "../../errors/validate.ts";
import { ADMIN_ONLY, requirePrincipal } from "../access.ts";

/** POST /api/users (ADMIN): 201 with the user; 409 when the username is taken. */
export function registerCreateUser(app: FastifyInstance, auth: AuthServices): void {
  app.post("/api/users", { config: { access: ADMIN_ONLY } }, async (request, reply) => {
    const body = parseInput("body", CreateUserRequest, request.body);
    const actor = actorOf(requirePrincipal(request), request.ip);
    return reply.status(201).send(await auth.userAdmin.create(body, actor));
  });
}
