import type { LoginFailureKey, LoginFailureRepository } from "../store/login-failure-repository.ts";

/**
 * Limits on failed logins (OWASP Authentication Cheat Sheet, "Account lockout": lock per
 * account and source, and do not let an attacker lock out a victim indefinitely):
 * - one account from one address: `maxFailuresPerPair` failures lock that pair for `lockMs`;
 * - one address over every account: `maxFailuresPerAddress` within `lockMs`;
 * - one account from every address: past `accountBackoffAfter` failures, each further attempt
 *   waits `accountBackoffBaseMs` doubled per failure beyond it, at most `accountBackoffMaxMs` —
 *   slows a spread-out guesser. It does not apply from an address the account signed in from
 *   within `knownAddressMs`, so a stranger cannot keep the owner (the only ADMIN included) out.
 * Counters restart once `lockMs` passes without a failure.
 */
export interface LoginThrottleConfig {
  maxFailuresPerPair: number;
  maxFailuresPerAddress: number;
  lockMs: number;
  accountBackoffAfter: number;
  accountBackoffBaseMs: number;
  accountBackoffMaxMs: number;
  knownAddressMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleConfig = {
  maxFailuresPerPair: 10,
  maxFailuresPerAddress: 50,
  lockMs: 15 * 60_000,
  accountBackoffAfter: 20,
  accountBackoffBaseMs: 1_000,
  accountBackoffMaxMs: 60_000,
  knownAddressMs: 30 * 24 * 3_600_000,
};

/** A reserved attempt: exactly one of `succeeded`, `failed` or `abandoned` must follow. */
export interface LoginAttempt {
  /** The password was right: the account's counter and this (account, address) pair's are cleared. */
  succeeded(): Promise<void>;
  /** The password was wrong: one failure is counted on each counter. */
  failed(): Promise<void>;
  /** Nothing was decided (the check could not run): the reservation is released uncounted. */
  abandoned(): void;
}

export type ThrottleVerdict =
  | { allowed: true; attempt: LoginAttempt }
  | {
      allowed: false;
      retryAfterMs: number;
      reason: "locked" | "backoff";
      /**
       * True for the first refusal by this counter while it stays refused (in this process), so
       * that a flood of attempts against a lock leaves one audit row, not one per attempt.
       */
      firstRefusal: boolean;
    };

/**
 * Reserves each attempt before the password is checked, so that attempts sent at once cannot all
 * be checked before the first failure is counted: an attempt counts every other one still being
 * checked as a failure-to-be. Counters live in the store (they survive a restart, and
 * `crowsnest user unlock` clears them from another process); reservations live in this process.
 */
export class LoginThrottle {
  readonly #config: LoginThrottleConfig;
  readonly #failures: LoginFailureRepository;
  readonly #now: () => number;
  /** Attempts reserved and not yet settled, per counter. */
  readonly #pending = new Map<string, number>();
  /** Counters whose refusal was already reported, with when that refusal ends (epoch ms). */
  readonly #refusing = new Map<string, number>();

  constructor(
    failures: LoginFailureRepository,
    config: LoginThrottleConfig = DEFAULT_LOGIN_THROTTLE,
    now: () => number = Date.now,
  ) {
    this.#failures = failures;
    this.#config = config;
    this.#now = now;
  }

  /** Asked before the password is checked; a refused attempt costs no scrypt work. */
  async begin(username: string, address: string): Promise<ThrottleVerdict> {
    const account = accountKey(username);
    const keys: LoginFailureKey[] = [
      { scope: "pair", account, address },
      { scope: "address", account: "", address },
      { scope: "account", account, address: "" },
    ];
    // Reserve synchronously, before the first await: a burst sees itself.
    const ahead = keys.map((key) => this.#reserve(key));
    const release = () => {
      for (const key of keys) this.#release(key);
    };
    let verdict: { retryAfterMs: number; reason: "locked" | "backoff"; counter: LoginFailureKey } | null;
    const now = this.#now();
    try {
      const [counts, known] = await Promise.all([
        this.#failures.find(keys, now - this.#config.lockMs),
        this.#failures.isKnownAddress(account, address, now - this.#config.knownAddressMs),
      ]);
      const count = (key: LoginFailureKey) => counts.find((c) => c.scope === key.scope);
      const [pair, byAddress, byAccount] = keys as [LoginFailureKey, LoginFailureKey, LoginFailureKey];
      verdict =
        this.#refusal(pair, count(pair), ahead[0] ?? 0, this.#config.maxFailuresPerPair, now) ??
        this.#refusal(byAddress, count(byAddress), ahead[1] ?? 0, this.#config.maxFailuresPerAddress, now) ??
        (known ? null : this.#backoff(byAccount, count(byAccount), ahead[2] ?? 0, now));
    } catch (err) {
      release();
      throw err;
    }
    if (verdict) {
      release();
      const { counter, ...refusal } = verdict;
      return {
        allowed: false,
        ...refusal,
        firstRefusal: this.#firstRefusal(counter, now + refusal.retryAfterMs, now),
      };
    }
    let settled = false;
    const settle = async (write: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      try {
        await write();
      } finally {
        release();
      }
    };
    return {
      allowed: true,
      attempt: {
        // The account's run and this pair's end; another address's lock on the account stays.
        succeeded: () =>
          settle(async () => {
            await this.#failures.clear(keys.filter((key) => key.scope !== "address"));
            await this.#failures.rememberAddress(account, address, this.#now());
          }),
        failed: () => {
          const now = this.#now();
          return settle(() => this.#failures.recordFailure(keys, now, now - this.#config.lockMs));
        },
        abandoned: () => void settle(async () => {}),
      },
    };
  }

  /** Forgets an account's counters (`crowsnest user unlock`); returns how many there were. */
  unlock(username: string): Promise<number> {
    return this.#failures.clearAccount(accountKey(username));
  }

  /** Deletes counters that count zero anyway and addresses no longer known; run with the session sweep. */
  async sweep(): Promise<number> {
    const now = this.#now();
    return (
      (await this.#failures.deleteBefore(now - this.#config.lockMs)) +
      (await this.#failures.forgetAddressesBefore(now - this.#config.knownAddressMs))
    );
  }

  /** Locked once stored failures plus attempts ahead reach `max`; waits for the lock, or a second for those ahead. */
  #refusal(
    counter: LoginFailureKey,
    count: { failures: number; lastFailureAt: number } | undefined,
    ahead: number,
    max: number,
    now: number,
  ): { retryAfterMs: number; reason: "locked"; counter: LoginFailureKey } | null {
    const failures = count?.failures ?? 0;
    if (failures + ahead < max) return null;
    const retryAfterMs = failures >= max && count ? count.lastFailureAt + this.#config.lockMs - now : 1_000;
    return { retryAfterMs: Math.max(1_000, retryAfterMs), reason: "locked", counter };
  }

  #backoff(
    counter: LoginFailureKey,
    count: { failures: number; lastFailureAt: number } | undefined,
    ahead: number,
    now: number,
  ): { retryAfterMs: number; reason: "backoff"; counter: LoginFailureKey } | null {
    const { accountBackoffAfter, accountBackoffBaseMs, accountBackoffMaxMs } = this.#config;
    const failures = (count?.failures ?? 0) + ahead;
    if (failures < accountBackoffAfter) return null;
    const wait = Math.min(accountBackoffMaxMs, accountBackoffBaseMs * 2 ** (failures - accountBackoffAfter));
    // Attempts still being checked count as failures that have just happened.
    const last = ahead > 0 ? now : (count?.lastFailureAt ?? now);
    const retryAfterMs = last + wait - now;
    return retryAfterMs > 0
      ? { retryAfterMs: Math.max(1_000, retryAfterMs), reason: "backoff", counter }
      : null;
  }

  /** Whether this counter's refusal is new; remembers it until `until`, forgetting ended ones as it goes. */
  #firstRefusal(counter: LoginFailureKey, until: number, now: number): boolean {
    const id = counterId(counter);
    const reportedUntil = this.#refusing.get(id);
    if (reportedUntil !== undefined && reportedUntil > now) return false;
    this.#refusing.set(id, until);
    if (this.#refusing.size > 1_000) {
      for (const [key, end] of this.#refusing) if (end <= now) this.#refusing.delete(key);
    }
    return true;
  }

  /** Returns how many attempts on this counter were already pending, and counts this one. */
  #reserve(key: LoginFailureKey): number {
    const id = counterId(key);
    const ahead = this.#pending.get(id) ?? 0;
    this.#pending.set(id, ahead + 1);
    return ahead;
  }

  #release(key: LoginFailureKey): void {
    const id = counterId(key);
    const left = (this.#pending.get(id) ?? 1) - 1;
    if (left > 0) this.#pending.set(id, left);
    else this.#pending.delete(id);
  }
}

/** Usernames are matched case-insensitively here so that `Admin` and `admin` share one budget. */
function accountKey(username: string): string {
  return username.toLowerCase();
}

function counterId(key: LoginFailureKey): string {
  return `${key.scope}\n${key.account}\n${key.address}`;
}
