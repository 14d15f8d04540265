import type { User } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AuthServices } from "../../auth/auth-services.ts";
import { requireAdmin } from "../../auth/request-guard.ts";

/** GET /api/users (ADMIN). */
export function registerListUsers(app: FastifyInstance, auth: AuthServices): void {
  app.get("/api/users", async (request): Promise<User[]> => {
    requireAdmin(request);
    return auth.userAdmin.list();
  });
}
