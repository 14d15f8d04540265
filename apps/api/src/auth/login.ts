import { AppError } from "../errors/app-error.ts";
import type { UserRecord, UserRepository } from "../store/user-repository.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import type { PasswordHasher } from "./password.ts";
import type { PasswordCheckGate } from "./password-check-gate.ts";
import type { SessionManager } from "./sessions.ts";

/** One message for every failed login, so an attacker cannot tell a wrong password from a missing user. */
const FAILED = "wrong username or password";

export interface LoginDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  sessions: SessionManager;
  throttle: LoginThrottle;
  gate: PasswordCheckGate;
}

/**
 * Checks a username and password and opens a session. The attempt is reserved with the throttle
 * before any password work, so a refused one costs no scrypt and learns nothing, and attempts
 * sent at once count against each other. Errors: AppError `too_many_requests` (throttled, with
 * Retry-After), `unavailable` (too many checks queued), `unauthorized` (wrong name or password).
 */
export async function logIn(
  deps: LoginDeps,
  username: string,
  password: string,
  clientAddress: string,
): Promise<{ token: string; user: UserRecord }> {
  const verdict = await deps.throttle.begin(username, clientAddress);
  if (!verdict.allowed) {
    const seconds = Math.ceil(verdict.retryAfterMs / 1000);
    const wait = seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
    throw new AppError("too_many_requests", `too many failed logins; try again in ${wait}`, {
      retryAfterSeconds: seconds,
    });
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
    attempt.abandoned();
    throw err;
  }
  if (!user || !ok || user.disabled) {
    await attempt.failed();
    throw new AppError("unauthorized", FAILED);
  }
  await attempt.succeeded();
  return { token: await deps.sessions.start(user.id, clientAddress), user };
}
