import type { IncomingMessage } from "node:http";
import type { Principal } from "../auth/principal.ts";

/** Why a /ws/live upgrade is refused: answered with this HTTP status before any message is read. */
export interface UpgradeRefusal {
  status: number;
  reason: string;
}

/**
 * Decides, in the HTTP upgrade of /ws/live, who the browser is (session cookie) and whether
 * its `Origin` is the server's own. The auth half provides the real one.
 */
export interface BrowserAuthenticator {
  authenticate(request: IncomingMessage): Promise<Principal | UpgradeRefusal>;
  /** Whether the session a socket was opened with still holds (asked on every subscribe, and periodically). */
  stillValid(principal: Principal): Promise<boolean>;
}

export function isRefusal(result: Principal | UpgradeRefusal): result is UpgradeRefusal {
  return "status" in result;
}

/**
 * The caller the telemetry half alone (tests, benchmark) lets in everywhere; main.ts always wires
 * the session-checking authenticators of the auth half instead.
 */
export const ANONYMOUS_VIEWER: Principal = {
  userId: "anonymous",
  username: "anonymous",
  role: "VIEWER",
  sessionId: "anonymous",
};

/** Lets every browser in as ANONYMOUS_VIEWER (the telemetry half alone: tests, benchmark). */
export const anonymousViewerAuthenticator: BrowserAuthenticator = {
  async authenticate() {
    return ANONYMOUS_VIEWER;
  },
  async stillValid() {
    return true;
  },
};
