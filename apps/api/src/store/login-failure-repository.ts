/**
 * What a failed-login counter counts: one account from every address, one address over every
 * account, or one account from one address. The parts a scope does not use are "".
 */
export type LoginFailureScope = "account" | "address" | "pair";

export interface LoginFailureKey {
  scope: LoginFailureScope;
  /** The username, lower-cased: `Admin` and `admin` share one counter. */
  account: string;
  address: string;
}

export interface LoginFailureCount extends LoginFailureKey {
  failures: number;
  /** Epoch ms of the latest failure. */
  lastFailureAt: number;
}

/** A counter as one reservation left it: what an attempt is allowed or refused on. */
export interface LoginFailureReservation extends LoginFailureKey {
  /** Failures after the window's start (0 once it has passed). */
  failures: number;
  /** Epoch ms of the latest failure; 0 if there has been none. */
  lastFailureAt: number;
  /** Attempts reserved and not yet settled, the one just reserved included (so at least 1). */
  pending: number;
}

/**
 * Failed-login counters, kept in the store so that a restart does not forget them, the CLI can
 * clear them while the server runs, and servers sharing the store share them. A counter whose
 * latest failure is older than the window (`since`) counts as zero and restarts at one.
 *
 * An attempt is reserved on its counters before its password is checked (`reserve`), atomically,
 * so that attempts checked at once on any server see each other; exactly one of `recordFailure`,
 * `clear` (and `release` for the counters it leaves) or `release` settles it.
 */
export interface LoginFailureRepository {
  /** The counters among `keys` with a failure after `since`; the others count zero. */
  find(keys: readonly LoginFailureKey[], since: number): Promise<LoginFailureCount[]>;
  /**
   * Reserves one attempt at `at` on each key, in one transaction, and returns each counter as it
   * left it, in the order of `keys`: failures after `since`, and the attempts pending, this one
   * included. Reservations older than `pendingSince` lapse (their server stopped mid-check); the
   * latest failure's time does not move.
   */
  reserve(
    keys: readonly LoginFailureKey[],
    at: number,
    since: number,
    pendingSince: number,
  ): Promise<LoginFailureReservation[]>;
  /** Takes back one reservation on each key (never below zero), leaving its failures and window as they are. */
  release(keys: readonly LoginFailureKey[]): Promise<void>;
  /**
   * Adds one failure at `at` to each key and settles one reservation on it (if any), in one
   * transaction; a counter last bumped before `since` restarts.
   */
  recordFailure(keys: readonly LoginFailureKey[], at: number, since: number): Promise<void>;
  /**
   * Forgets these counters' failures and settles one reservation on each (a right password clears
   * its account's and its pair's, not other addresses'); other attempts' reservations stay.
   */
  clear(keys: readonly LoginFailureKey[]): Promise<void>;
  /**
   * Claims the report of this counter's refusal: true for exactly one caller, across every server
   * on the store, until `until` (epoch ms) passes at `now`, or the counter is cleared. False when
   * the counter does not exist (it was cleared meanwhile: nothing to report).
   */
  claimRefusal(key: LoginFailureKey, until: number, now: number): Promise<boolean>;
  /** Forgets an account's counters, those of each (account, address) pair and their reservations included; returns how many. */
  clearAccount(account: string): Promise<number>;
  /** Remembers that the account signed in from this address at `at`. */
  rememberAddress(account: string, address: string, at: number): Promise<void>;
  /** Whether the account signed in from this address after `since`. */
  isKnownAddress(account: string, address: string, since: number): Promise<boolean>;
  /** Deletes counters whose latest failure is before `t` and with no reservation since `t`; they count zero anyway. */
  deleteBefore(t: number): Promise<number>;
  /** Forgets known addresses whose latest sign-in is before `t`. */
  forgetAddressesBefore(t: number): Promise<number>;
}
