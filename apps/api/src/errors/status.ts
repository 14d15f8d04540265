import type { ApiErrorCode } from "@crowsnest/protocol";

export const STATUS_OF_CODE: Readonly<Record<ApiErrorCode, number>> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  agent_offline: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
  agent_timeout: 504,
};
