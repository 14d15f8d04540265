import { AuditTrail } from "../auth/audit-trail.ts";
import { PasswordHasher } from "../auth/password.ts";
import { SessionManager } from "../auth/sessions.ts";
import { UserAdmin } from "../auth/user-admin.ts";
import type { Config } from "../config.ts";
import type { Store } from "../store/store.ts";

/**
 * Account management for a CLI process. It has no live sockets of its own to close: a running
 * server's open /ws/live sockets of the user stay open until they reconnect, but the user's
 * sessions are deleted at once, so no new request or socket gets through with them. Its changes
 * are audited with the CLI as the actor (`CLI_ACTOR`).
 */
export function userAdminForCli(config: Config, store: Store): UserAdmin {
  const hasher = new PasswordHasher(config.auth.scryptCost);
  const sessions = new SessionManager(store.sessions, config.auth.sessions);
  return new UserAdmin({
    users: store.users,
    hasher,
    sessions,
    sockets: { closeUser: () => 0, closeSession: () => 0 },
    audit: new AuditTrail(store.audit),
    now: Date.now,
  });
}
