import type { ApiErrorCode } from "@crowsnest/protocol";

/**
 * The one error type the server's own code throws for a failure a caller should see.
 * It carries a fixed code (not an HTTP status): the HTTP layer maps codes to statuses.
 */
export class AppError extends Error {
  readonly code: ApiErrorCode;
  /** The request input at fault, for bad_request: `query.from`, `params.hostId`, `body.name`. */
  readonly field: string | undefined;
  /** For too_many_requests: sent as `Retry-After`, so that clients need not parse the message. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { field?: string; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
