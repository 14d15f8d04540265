/**
 * Throttles failed logins, per account and per client address, in this process's memory.
 *
 * An account is locked after `maxFailuresPerAccount` failures in a row (a success resets the
 * count), so the next attempt, right or wrong, is refused until `lockMs` has passed since the
 * last failure. An address gets a larger budget, `maxFailuresPerAddress` within `windowMs`, so
 * that one client spraying many usernames is stopped too. Counters expire on their own, so memory
 * is bounded by the number of distinct names and addresses seen within one window.
 */
export interface LoginThrottleConfig {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  /** How long a locked account or address stays locked after its last failure. */
  lockMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleConfig = {
  maxFailuresPerAccount: 10,
  maxFailuresPerAddress: 50,
  lockMs: 15 * 60_000,
};

interface Counter {
  failures: number;
  lastFailureAt: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export class LoginThrottle {
  readonly #config: LoginThrottleConfig;
  readonly #now: () => number;
  readonly #accounts = new Map<string, Counter>();
  readonly #addresses = new Map<string, Counter>();
  #lastSweepAt = 0;

  constructor(config: LoginThrottleConfig = DEFAULT_LOGIN_THROTTLE, now: () => number = Date.now) {
    this.#config = config;
    this.#now = now;
  }

  /** Asked before the password is even checked, so a locked account costs no scrypt work. */
  check(username: string, address: string): ThrottleVerdict {
    const now = this.#now();
    const waits = [
      this.#wait(this.#accounts, accountKey(username), this.#config.maxFailuresPerAccount, now),
      this.#wait(this.#addresses, address, this.#config.maxFailuresPerAddress, now),
    ];
    const retryAfterMs = Math.max(...waits);
    return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
  }

  recordFailure(username: string, address: string): void {
    const now = this.#now();
    this.#bump(this.#accounts, accountKey(username), now);
    this.#bump(this.#addresses, address, now);
    this.#sweep(now);
  }

  /** A correct password clears the account's run of failures; the address keeps its count. */
  recordSuccess(username: string): void {
    this.#accounts.delete(accountKey(username));
  }

  #wait(map: Map<string, Counter>, key: string, max: number, now: number): number {
    const counter = map.get(key);
    if (!counter || counter.failures < max) return 0;
    return Math.max(0, counter.lastFailureAt + this.#config.lockMs - now);
  }

  #bump(map: Map<string, Counter>, key: string, now: number): void {
    const counter = map.get(key);
    if (!counter || now - counter.lastFailureAt >= this.#config.lockMs) {
      map.set(key, { failures: 1, lastFailureAt: now });
    } else {
      counter.failures += 1;
      counter.lastFailureAt = now;
    }
  }

  /** Drops expired counters, at most once per lock period, so a spray of failures stays linear. */
  #sweep(now: number): void {
    if (now - this.#lastSweepAt < this.#config.lockMs) return;
    this.#lastSweepAt = now;
    for (const map of [this.#accounts, this.#addresses]) {
      for (const [key, counter] of map) {
        if (now - counter.lastFailureAt >= this.#config.lockMs) map.delete(key);
      }
    }
  }
}

/** Usernames are matched case-insensitively here so that `Admin` and `admin` share one budget. */
function accountKey(username: string): string {
  return username.toLowerCase();
}
