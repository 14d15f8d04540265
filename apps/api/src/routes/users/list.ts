import type { User } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import type { AuthServices } from "../../auth/auth-services.ts";
import { ADMIN_ONLY } from "../access.ts";

/** GET /api/users (ADMIN). */
export function registerListUsers(app: FastifyInstance, auth: AuthServices): void {
  app.get("/api/users", { config: { access: ADMIN_ONLY } }, async (): Promise<User[]> => {
    return auth.userAdmin.list();
  });
}
