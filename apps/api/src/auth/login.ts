import { AppError } from "../errors/app-error.ts";
import type { UserRecord, UserRepository } from "../store/user-repository.ts";
import { type AuditActor, type AuditTrail, actorOf } from "./audit-trail.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import type { PasswordHasher } from "./password.ts";
import type { PasswordCheckGate } from "./password-check-gate.ts";
import type { SessionManager } from "./sessions.ts";

/** One message for every failed login, so an attacker cannot tell a wrong password from a missing user. */
const FAILED = "wrong username or password";
/** A name typed at sign-in is kept in the audit log up to this many characters. */
const MAX_TYPED_USERNAME = 64;

export interface LoginDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  sessions: SessionManager;
  throttle: LoginThrottle;
  gate: PasswordCheckGate;
  audit: AuditTrail;
}

/**
 * Checks a username and password and opens a session. The attempt is reserved with the throttle
 * before any password work, so a refused one costs no scrypt and learns nothing, and attempts
 * sent at once count against each other. Errors: AppError `too_many_requests` (throttled, with
 * Retry-After), `unavailable` (too many checks queued), `unauthorized` (wrong name or password).
 * A sign-in, a failed one (with why, which only the audit log tells) and a throttle refusal are
 * audited; a failed one under a name no account has records the name as typed, with no id or role.
 */
export async function logIn(
  deps: LoginDeps,
  username: string,
  password: string,
  clientAddress: string,
): Promise<{ token: string; user: UserRecord }> {
  const verdict = await deps.throttle.begin(username, clientAddress);
  const typed: AuditActor = {
    userId: null,
    username: username.slice(0, MAX_TYPED_USERNAME),
    role: null,
    clientAddress,
  };
  if (!verdict.allowed) {
    const seconds = Math.ceil(verdict.retryAfterMs / 1000);
    const wait = seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
    const message = `too many failed logins; try again in ${wait}`;
    const detail =
      verdict.reason === "locked"
        ? "locked: too many failed sign-ins from this address"
        : "backoff: too many failed sign-ins to this account";
    // One row per lock, however many attempts hit it: a flood must not grow the log without bound.
    if (verdict.firstRefusal) {
      await deps.audit.record(typed, { action: "session.locked_out", detail }, "denied", message);
    }
    throw new AppError("too_many_requests", message, { retryAfterSeconds: seconds });
  }
  const { attempt } = verdict;
  let user: UserRecord | null;
  let ok: boolean;
  try {
    user = await deps.users.findByUsername(username);
    const stored = user?.passwordHash;
    ok = await deps.gate.run(() =>
      stored === undefined ? deps.hasher.verifyDecoy(password) : deps.hasher.verify(password, stored),
    );
  } catch (err) {
    await attempt.abandoned();
    throw err;
  }
  const actor = user ? actorOf({ userId: user.id, ...user }, clientAddress) : typed;
  if (!user || !ok || user.disabled) {
    await attempt.failed();
    const why = !user ? "no such user" : !ok ? "wrong password" : "the account is disabled";
    await deps.audit.record(actor, { action: "session.login_failed" }, "failed", why);
    throw new AppError("unauthorized", FAILED);
  }
  await attempt.succeeded();
  const token = await deps.sessions.start(user.id, clientAddress);
  await deps.audit.record(actor, { action: "session.login" }, "succeeded");
  return { token, user };
}
