import type { ApiError, ApiErrorCode } from "@crowsnest/protocol";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "./app-error.ts";
import { STATUS_OF_CODE } from "./status.ts";

/**
 * The one place that turns any thrown error into `{ error: { code, message, field?, requestId } }`;
 * `requestId` is the `reqId` of the server's log lines about that request.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const body = toApiError(err);
    body.error.requestId = request.id;
    const status = STATUS_OF_CODE[body.error.code];
    // Our own AppErrors (503 busy, 504 agent timeout) are expected answers: a line, no stack, so an
    // anonymous burst cannot flood the error log; anything else is a bug worth its stack trace.
    if (status >= 500 && err instanceof AppError) request.log.warn(body.error, "request refused");
    else if (status >= 500) request.log.error({ err }, "request failed");
    if (err instanceof AppError && err.retryAfterSeconds !== undefined) {
      reply.header("retry-after", String(err.retryAfterSeconds));
    }
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ApiError = {
      error: {
        code: "not_found",
        message: `no route ${request.method} ${request.url}`,
        requestId: request.id,
      },
    };
    return reply.status(404).send(body);
  });
}

function toApiError(err: unknown): ApiError {
  if (err instanceof AppError) {
    return { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
  }
  // Fastify's own errors (unparseable JSON body, body too large, unsupported media type) carry a status.
  const status = (err as FastifyError | undefined)?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return { error: { code: codeForClientStatus(status), message: (err as Error).message } };
  }
  return { error: { code: "internal", message: "internal server error" } };
}

function codeForClientStatus(status: number): ApiErrorCode {
  if (status === 413) return "payload_too_large";
  if (status === 429) return "too_many_requests";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  return "bad_request";
}
