import { z } from "zod";

/** Every HTTP error the server returns has this shape. */
export const ApiErrorCode = z.enum([
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "too_many_requests",
  "agent_offline",
  "agent_timeout",
  "payload_too_large",
  "internal",
  "unavailable",
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

export const ApiError = z.object({
  error: z.object({
    code: ApiErrorCode,
    message: z.string(),
    field: z.string().optional(),
    /** The request's id, also in every server log line about it (`reqId`) and in `X-Request-Id`. */
    requestId: z.string().optional(),
  }),
});
export type ApiError = z.infer<typeof ApiError>;

export const Role = z.enum(["ADMIN", "OPERATOR", "VIEWER"]);
export type Role = z.infer<typeof Role>;
