import type { Config } from "../config.ts";
import type { AgentLinks } from "../ingest/agent-links.ts";
import type { Store } from "../store/store.ts";
import { AuditTrail } from "./audit-trail.ts";
import { HostEnrolment } from "./host-enrolment.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { PasswordHasher } from "./password.ts";
import { PasswordCheckGate } from "./password-check-gate.ts";
import { SessionManager } from "./sessions.ts";
import type { UserSocketCloser } from "./sign-out.ts";
import { UserAdmin } from "./user-admin.ts";

/** What checking a login or a session needs; built before the server, since its authenticators use it. */
export interface AuthCore {
  /** CROWSNEST_PUBLIC_URL: the Origin browsers must send, and where agents are told to connect. */
  publicUrl: string | null;
  sessionMaxAgeMs: number;
  /** Whether the session cookie gets the Secure flag. */
  secureCookie: boolean;
  hasher: PasswordHasher;
  sessions: SessionManager;
  throttle: LoginThrottle;
  /** Bounds the password checks of logins, which anyone can start. */
  gate: PasswordCheckGate;
  /** Sign-ins, account changes and host credentials go to the audit log through it. */
  audit: AuditTrail;
}

/** The core plus account and host management, which need the running server's hub and agent links. */
export interface AuthServices extends AuthCore {
  userAdmin: UserAdmin;
  enrolment: HostEnrolment;
}

export function createAuthCore(
  { auth, publicUrl }: Pick<Config, "auth" | "publicUrl">,
  store: Pick<Store, "sessions" | "loginFailures" | "audit">,
  now: () => number = Date.now,
): AuthCore {
  return {
    publicUrl,
    sessionMaxAgeMs: auth.sessions.absoluteMs,
    secureCookie: publicUrl !== null && new URL(publicUrl).protocol === "https:",
    hasher: new PasswordHasher(auth.scryptCost),
    sessions: new SessionManager(store.sessions, auth.sessions, now),
    throttle: new LoginThrottle(store.loginFailures, auth.loginThrottle, now),
    gate: new PasswordCheckGate(),
    audit: new AuditTrail(store.audit, now),
  };
}

export function createAuthServices(
  core: AuthCore,
  config: Pick<Config, "auth">,
  store: Store,
  liveSockets: UserSocketCloser,
  agents: Pick<AgentLinks, "disconnect">,
  now: () => number = Date.now,
): AuthServices {
  return {
    ...core,
    userAdmin: new UserAdmin({
      users: store.users,
      hasher: core.hasher,
      sessions: core.sessions,
      sockets: liveSockets,
      audit: core.audit,
      now,
    }),
    enrolment: new HostEnrolment({
      store,
      agents,
      audit: core.audit,
      ttlMs: config.auth.enrolmentTtlMs,
      now,
    }),
  };
}
