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
}

export function isRefusal(result: Principal | UpgradeRefusal): result is UpgradeRefusal {
  return "status" in result;
}

/**
 * Lets every browser in as an anonymous VIEWER. Only for running the telemetry half on its own
 * (tests, benchmark); main.ts wires the session-checking authenticator of the auth half.
 */
export const anonymousViewerAuthenticator: BrowserAuthenticator = {
  async authenticate() {
    return { userId: "anonymous", username: "anonymous", role: "VIEWER", sessionId: "anonymous" };
  },
};
