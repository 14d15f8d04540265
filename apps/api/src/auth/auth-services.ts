import type { Store } from "../store/store.ts";
import { AuditTrail } from "./audit-trail.ts";
import type { AuthConfig } from "./auth-config.ts";
import { type AgentDisconnector, HostEnrolment } from "./host-enrolment.ts";
import { LoginThrottle } from "./login-throttle.ts";
import { PasswordHasher } from "./password.ts";
import { PasswordCheckGate } from "./password-check-gate.ts";
import { SessionManager } from "./sessions.ts";
import type { UserSocketCloser } from "./sign-out.ts";
import { UserAdmin } from "./user-admin.ts";

/** Sessions, logins, accounts and host identities: what the auth routes and authenticators use. */
export interface AuthServices {
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
  userAdmin: UserAdmin;
  enrolment: HostEnrolment;
}

/** What signing out and revoking reach beyond the store: open browser sockets and connected agents. */
export interface AuthReach {
  sockets: UserSocketCloser;
  agents: AgentDisconnector;
}

/** Builds the auth services over the store; `now` is the clock of sessions, throttling and the audit log. */
export function createAuthServices(
  { auth, publicUrl }: { auth: AuthConfig; publicUrl: string | null },
  store: Store,
  reach: AuthReach,
  now: () => number = Date.now,
): AuthServices {
  const hasher = new PasswordHasher(auth.scryptCost);
  const sessions = new SessionManager(store.sessions, auth.sessions, now);
  const audit = new AuditTrail(store.audit, now);
  return {
    publicUrl,
    sessionMaxAgeMs: auth.sessions.absoluteMs,
    secureCookie: publicUrl !== null && new URL(publicUrl).protocol === "https:",
    hasher,
    sessions,
    throttle: new LoginThrottle(store.loginFailures, auth.loginThrottle, now),
    gate: new PasswordCheckGate(),
    audit,
    userAdmin: new UserAdmin({ users: store.users, hasher, sessions, sockets: reach.sockets, audit, now }),
    enrolment: new HostEnrolment({ store, agents: reach.agents, audit, ttlMs: auth.enrolmentTtlMs, now }),
  };
}
