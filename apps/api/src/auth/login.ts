import { AppError } from "../errors/app-error.ts";
import type { UserRecord, UserRepository } from "../store/user-repository.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import type { PasswordHasher } from "./password.ts";
import type { SessionManager } from "./sessions.ts";

/** One message for every failed login, so an attacker cannot tell a wrong password from a missing user. */
const FAILED = "wrong username or password";

export interface LoginDeps {
  users: UserRepository;
  hasher: PasswordHasher;
  sessions: SessionManager;
  throttle: LoginThrottle;
}

/**
 * Checks a username and password and opens a session. Throttling is checked first, so a
 * locked account or address costs no scrypt work and learns nothing about the password.
 */
export async function logIn(
  deps: LoginDeps,
  username: string,
  password: string,
  clientAddress: string,
): Promise<{ token: string; user: UserRecord }> {
  const verdict = deps.throttle.check(username, clientAddress);
  if (!verdict.allowed) {
    const seconds = Math.ceil(verdict.retryAfterMs / 1000);
    throw new AppError(
      "too_many_requests",
      `too many failed logins; try again in ${Math.ceil(seconds / 60)} min`,
      {
        retryAfterSeconds: seconds,
      },
    );
  }
  const user = await deps.users.findByUsername(username);
  const ok = user
    ? await deps.hasher.verify(password, user.passwordHash)
    : await deps.hasher.verifyDecoy(password);
  if (!user || !ok || user.disabled) {
    deps.throttle.recordFailure(username, clientAddress);
    throw new AppError("unauthorized", FAILED);
  }
  deps.throttle.recordSuccess(username);
  return { token: await deps.sessions.start(user.id, clientAddress), user };
}
