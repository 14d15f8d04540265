import { readSessionToken } from "../auth/session-cookie.ts";
import type { SessionManager } from "../auth/sessions.ts";
import type { RequestAuthenticator } from "./access.ts";

/** The REST side's authenticator: the principal of the live session the cookie names, else null. */
export function sessionAuthenticator(sessions: SessionManager): RequestAuthenticator {
  return async (request) => {
    const token = readSessionToken(request.headers.cookie);
    const session = token === null ? null : await sessions.resolve(token);
    return session?.principal ?? null;
  };
}
