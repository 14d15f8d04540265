import type { IncomingMessage } from "node:http";
import type { BrowserAuthenticator, UpgradeRefusal } from "./browser-authenticator.ts";
import { isOwnUpgradeOrigin } from "./origin-check.ts";
import type { Principal } from "./principal.ts";
import { readSessionToken } from "./session-cookie.ts";
import type { SessionManager } from "./sessions.ts";

/**
 * Decides a /ws/live upgrade from its headers alone, before the socket exists: the Origin must be
 * ours (else 403, even with a valid cookie: that is cross-site WebSocket hijacking) and the
 * session cookie must name a live session (else 401).
 */
export class SessionBrowserAuthenticator implements BrowserAuthenticator {
  readonly #sessions: SessionManager;
  readonly #publicUrl: string | null;

  constructor(sessions: SessionManager, publicUrl: string | null) {
    this.#sessions = sessions;
    this.#publicUrl = publicUrl;
  }

  async authenticate(request: IncomingMessage): Promise<Principal | UpgradeRefusal> {
    if (!isOwnUpgradeOrigin(request.headers, this.#publicUrl)) {
      return { status: 403, reason: "the Origin of this request is not this server's" };
    }
    const token = readSessionToken(request.headers.cookie);
    const session = token === null ? null : await this.#sessions.resolve(token);
    if (!session) return { status: 401, reason: "sign in first" };
    return session.principal;
  }

  stillValid(principal: Principal): Promise<boolean> {
    return this.#sessions.isLive(principal.sessionId);
  }
}
