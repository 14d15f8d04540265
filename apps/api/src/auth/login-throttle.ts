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

/**
 * How long a reservation holds: longer than any password check takes (one scrypt, ~0.3 s, behind
 * at most a short queue, see PasswordCheckGate), so only one left by a server that stopped
 * mid-check ever lapses.
 */
const RESERVATION_MS = 60_000;

/** A reserved attempt: exactly one of `succeeded`, `failed` or `abandoned` must follow. */
export interface LoginAttempt {
  /** The password was right: the account's counter and this (account, address) pair's are cleared. */
  succeeded(): Promise<void>;
  /** The password was wrong: one failure is counted on each counter. */
  failed(): Promise<void>;
  /** Nothing was decided (the check could not run): the reservation is taken back uncounted. */
  abandoned(): Promise<void>;
}

export type ThrottleVerdict =
  | { allowed: true; attempt: LoginAttempt }
  | {
      allowed: false;
      retryAfterMs: number;
      reason: "locked" | "backoff";
      /**
       * True for the first refusal by this counter while it stays refused, on any server sharing
       * the store, so that a flood of attempts against a lock leaves one audit row, not one per attempt.
       */
      firstRefusal: boolean;
    };

/** A counter as this attempt's reservation left it. */
interface Reserved {
  failures: number;
  lastFailureAt: number;
  /** Attempts reserved before this one and not yet settled. */
  ahead: number;
}

/**
 * Reserves each attempt before the password is checked, so that attempts sent at once cannot all
 * be checked before the first failure is counted: an attempt counts every other one still being
 * checked as a failure-to-be. Counters and reservations live in the store, reserved in one atomic
 * step, so attempts on every server sharing it see each other (N servers allow what one allows);
 * they survive a restart, and `crowsnest user unlock` clears them from another process. Which
 * refusal is reported first is decided in the store too.
 */
export class LoginThrottle {
  readonly #config: LoginThrottleConfig;
  readonly #failures: LoginFailureRepository;
  readonly #now: () => number;

  constructor(
    failures: LoginFailureRepository,
    config: LoginThrottleConfig = DEFAULT_LOGIN_THROTTLE,
    now: () => number = Date.now,
  ) {
    this.#failures = failures;
    this.#config = config;
    this.#now = now;
  }

  /**
   * Asked before the password is checked; a refused attempt costs no scrypt work. An allowed
   * attempt holds a reservation until it is settled. Rejects with the store's error; a reservation
   * the store could not take back then lapses after RESERVATION_MS.
   */
  async begin(username: string, address: string): Promise<ThrottleVerdict> {
    const account = accountKey(username);
    // Always in this order (scope by scope): the PostgreSQL store locks counters in the keys' order.
    const keys: LoginFailureKey[] = [
      { scope: "pair", account, address },
      { scope: "address", account: "", address },
      { scope: "account", account, address: "" },
    ];
    const now = this.#now();
    const [reservation, knownAddress] = await Promise.allSettled([
      this.#failures.reserve(keys, now, now - this.#config.lockMs, now - RESERVATION_MS),
      this.#failures.isKnownAddress(account, address, now - this.#config.knownAddressMs),
    ]);
    if (reservation.status === "rejected") throw reservation.reason;
    if (knownAddress.status === "rejected") {
      await this.#failures.release(keys);
      throw knownAddress.reason;
    }
    const reserved = (i: number): Reserved => {
      const counter = reservation.value[i];
      if (!counter) throw new Error("the store reserved fewer counters than asked");
      return { failures: counter.failures, lastFailureAt: counter.lastFailureAt, ahead: counter.pending - 1 };
    };
    const [pair, byAddress, byAccount] = keys as [LoginFailureKey, LoginFailureKey, LoginFailureKey];
    const verdict =
      this.#refusal(pair, reserved(0), this.#config.maxFailuresPerPair, now) ??
      this.#refusal(byAddress, reserved(1), this.#config.maxFailuresPerAddress, now) ??
      (knownAddress.value ? null : this.#backoff(byAccount, reserved(2), now));
    if (verdict) {
      const { counter, ...refusal } = verdict;
      // Taken back without moving the window: a flood against a lock does not extend it.
      const [, firstRefusal] = await Promise.all([
        this.#failures.release(keys),
        this.#failures.claimRefusal(counter, now + refusal.retryAfterMs, now),
      ]);
      return { allowed: false, ...refusal, firstRefusal };
    }
    let settled = false;
    const settle = async (write: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      await write();
    };
    return {
      allowed: true,
      attempt: {
        // The account's run and this pair's end; another address's lock on the account stays.
        succeeded: () =>
          settle(async () => {
            await this.#failures.clear(keys.filter((key) => key.scope !== "address"));
            await this.#failures.release(keys.filter((key) => key.scope === "address"));
            await this.#failures.rememberAddress(account, address, this.#now());
          }),
        failed: () => {
          const now = this.#now();
          return settle(() => this.#failures.recordFailure(keys, now, now - this.#config.lockMs));
        },
        abandoned: () => settle(() => this.#failures.release(keys)),
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
    { failures, lastFailureAt, ahead }: Reserved,
    max: number,
    now: number,
  ): { retryAfterMs: number; reason: "locked"; counter: LoginFailureKey } | null {
    if (failures + ahead < max) return null;
    const retryAfterMs = failures >= max ? lastFailureAt + this.#config.lockMs - now : 1_000;
    return { retryAfterMs: Math.max(1_000, retryAfterMs), reason: "locked", counter };
  }

  #backoff(
    counter: LoginFailureKey,
    reserved: Reserved,
    now: number,
  ): { retryAfterMs: number; reason: "backoff"; counter: LoginFailureKey } | null {
    const { accountBackoffAfter, accountBackoffBaseMs, accountBackoffMaxMs } = this.#config;
    const { ahead } = reserved;
    const failures = reserved.failures + ahead;
    if (failures < accountBackoffAfter) return null;
    const wait = Math.min(accountBackoffMaxMs, accountBackoffBaseMs * 2 ** (failures - accountBackoffAfter));
    // Attempts still being checked count as failures that have just happened.
    const last = ahead > 0 ? now : reserved.lastFailureAt;
    const retryAfterMs = last + wait - now;
    return retryAfterMs > 0
      ? { retryAfterMs: Math.max(1_000, retryAfterMs), reason: "backoff", counter }
      : null;
  }
}

/** Usernames are matched case-insensitively here so that `Admin` and `admin` share one budget. */
function accountKey(username: string): string {
  return username.toLowerCase();
}
