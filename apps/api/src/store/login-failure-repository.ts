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

/**
 * Failed-login counters, kept in the store so that a restart does not forget them and the CLI can
 * clear them while the server runs. A counter whose latest failure is older than the window
 * (`since`) counts as zero and restarts at one.
 */
export interface LoginFailureRepository {
  /** The counters among `keys` with a failure after `since`; the others count zero. */
  find(keys: readonly LoginFailureKey[], since: number): Promise<LoginFailureCount[]>;
  /** Adds one failure at `at` to each key, in one transaction; a counter last bumped before `since` restarts. */
  recordFailure(keys: readonly LoginFailureKey[], at: number, since: number): Promise<void>;
  /** Forgets these counters (a right password clears its account's and its pair's, not other addresses'). */
  clear(keys: readonly LoginFailureKey[]): Promise<void>;
  /** Forgets an account's counters, those of each (account, address) pair included; returns how many. */
  clearAccount(account: string): Promise<number>;
  /** Remembers that the account signed in from this address at `at`. */
  rememberAddress(account: string, address: string, at: number): Promise<void>;
  /** Whether the account signed in from this address after `since`. */
  isKnownAddress(account: string, address: string, since: number): Promise<boolean>;
  /** Deletes counters whose latest failure is before `t`; they count zero anyway. */
  deleteBefore(t: number): Promise<number>;
  /** Forgets known addresses whose latest sign-in is before `t`. */
  forgetAddressesBefore(t: number): Promise<number>;
}
