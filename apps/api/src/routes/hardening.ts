import type { FastifyInstance } from "fastify";
import { AppError } from "../errors/app-error.ts";

/**
 * Edges of HTTP every route shares:
 * - a request target that is not a path (`OPTIONS *`, an absolute URL) is a 400, before any
 *   route or the dashboard sees it (RFC 9112 §3.2: only OPTIONS may use `*`, and we serve no
 *   server-wide options);
 * - every answer Fastify sends (the API's, its errors and 404s) carries
 *   `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`: log lines, the audit log and
 *   user lists must not be kept by a browser or a shared cache; and `X-Request-Id`, the id of the
 *   server's log lines about it. The dashboard's pages are sent by Next, which sets its own caching.
 */
export function installHttpHardening(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    if (!request.url.startsWith("/")) {
      throw new AppError("bad_request", "the request target must be a path starting with /");
    }
  });
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-request-id", request.id);
    reply.header("x-content-type-options", "nosniff");
    reply.header("cache-control", "no-store");
    return payload;
  });
}
