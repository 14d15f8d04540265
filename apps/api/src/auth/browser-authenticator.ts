import type { IncomingMessage } from "node:http";
import type { Principal } from "./principal.ts";

/** Why a /ws/live upgrade is refused: answered with this HTTP status before any message is read. */
export interface UpgradeRefusal {
  status: number;
  reason: string;
}

/**
 * Decides, in the HTTP upgrade of /ws/live, who the browser is (session cookie) and whether
 * its `Origin` is the server's own (SessionBrowserAuthenticator).
 */
export interface BrowserAuthenticator {
  authenticate(request: IncomingMessage): Promise<Principal | UpgradeRefusal>;
  /** Whether the session a socket was opened with still holds (asked on every subscribe, and periodically). */
  stillValid(principal: Principal): Promise<boolean>;
}

/** Whether the upgrade was refused rather than let in. */
export function isRefusal(result: Principal | UpgradeRefusal): result is UpgradeRefusal {
  return "status" in result;
}
