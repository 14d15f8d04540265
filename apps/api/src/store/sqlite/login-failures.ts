import type { DatabaseSync, StatementSync } from "node:sqlite";
import type {
  LoginFailureCount,
  LoginFailureKey,
  LoginFailureRepository,
  LoginFailureReservation,
} from "../login-failure-repository.ts";
import {
  type LoginFailureRow,
  type LoginReservationRow,
  toLoginFailureCount,
  toLoginReservation,
} from "../login-failure-rows.ts";

export class SqliteLoginFailureRepository implements LoginFailureRepository {
  readonly #db: DatabaseSync;
  readonly #find: StatementSync;
  readonly #reserve: StatementSync;
  readonly #release: StatementSync;
  readonly #bump: StatementSync;
  readonly #clear: StatementSync;
  readonly #clearPending: StatementSync;
  readonly #claimRefusal: StatementSync;
  readonly #clearAccount: StatementSync;
  readonly #deleteBefore: StatementSync;
  readonly #remember: StatementSync;
  readonly #known: StatementSync;
  readonly #forgetAddresses: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#find = db.prepare(
      `SELECT failures, last_failure_at FROM login_failures
       WHERE scope = ? AND account = ? AND address = ? AND last_failure_at > ?`,
    );
    // A new counter has no failure yet (last_failure_at 0): only its reservation.
    this.#reserve = db.prepare(
      `INSERT INTO login_failures (scope, account, address, failures, last_failure_at, pending, pending_at)
       VALUES (?, ?, ?, 0, 0, 1, ?)
       ON CONFLICT (scope, account, address) DO UPDATE SET
         pending = CASE WHEN pending_at > ? THEN pending + 1 ELSE 1 END,
         pending_at = excluded.pending_at
       RETURNING CASE WHEN last_failure_at > ? THEN failures ELSE 0 END AS failures, last_failure_at, pending`,
    );
    this.#release = db.prepare(
      `UPDATE login_failures SET pending = max(pending - 1, 0)
       WHERE scope = ? AND account = ? AND address = ?`,
    );
    this.#bump = db.prepare(
      `INSERT INTO login_failures (scope, account, address, failures, last_failure_at) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (scope, account, address) DO UPDATE SET
         failures = CASE WHEN last_failure_at > ? THEN failures + 1 ELSE 1 END,
         last_failure_at = excluded.last_failure_at,
         pending = max(pending - 1, 0)`,
    );
    // A counter other attempts still have reservations on stays, without its failures.
    this.#clear = db.prepare(
      "DELETE FROM login_failures WHERE scope = ? AND account = ? AND address = ? AND pending <= 1",
    );
    this.#clearPending = db.prepare(
      `UPDATE login_failures SET failures = 0, last_failure_at = 0, lock_reported_until = 0, pending = pending - 1
       WHERE scope = ? AND account = ? AND address = ?`,
    );
    this.#claimRefusal = db.prepare(
      `UPDATE login_failures SET lock_reported_until = ?
       WHERE scope = ? AND account = ? AND address = ? AND lock_reported_until <= ?
       RETURNING 1`,
    );
    this.#clearAccount = db.prepare(
      "DELETE FROM login_failures WHERE account = ? AND scope IN ('account', 'pair')",
    );
    this.#deleteBefore = db.prepare(
      "DELETE FROM login_failures WHERE last_failure_at < ? AND (pending = 0 OR pending_at < ?)",
    );
    this.#remember = db.prepare(
      `INSERT INTO login_known_addresses (account, address, last_success_at) VALUES (?, ?, ?)
       ON CONFLICT (account, address) DO UPDATE SET last_success_at = excluded.last_success_at`,
    );
    this.#known = db.prepare(
      "SELECT 1 FROM login_known_addresses WHERE account = ? AND address = ? AND last_success_at > ?",
    );
    this.#forgetAddresses = db.prepare("DELETE FROM login_known_addresses WHERE last_success_at < ?");
  }

  async find(keys: readonly LoginFailureKey[], since: number): Promise<LoginFailureCount[]> {
    const found: LoginFailureCount[] = [];
    for (const key of keys) {
      const row = this.#find.get(key.scope, key.account, key.address, since) as LoginFailureRow | undefined;
      if (row) found.push(toLoginFailureCount(key, row));
    }
    return found;
  }

  async reserve(
    keys: readonly LoginFailureKey[],
    at: number,
    since: number,
    pendingSince: number,
  ): Promise<LoginFailureReservation[]> {
    return this.#inTransaction(() =>
      keys.map((key) => {
        const row = this.#reserve.get(
          key.scope,
          key.account,
          key.address,
          at,
          pendingSince,
          since,
        ) as unknown as LoginReservationRow;
        return toLoginReservation(key, row);
      }),
    );
  }

  async release(keys: readonly LoginFailureKey[]): Promise<void> {
    this.#inTransaction(() => {
      for (const key of keys) this.#release.run(key.scope, key.account, key.address);
    });
  }

  async recordFailure(keys: readonly LoginFailureKey[], at: number, since: number): Promise<void> {
    this.#inTransaction(() => {
      for (const key of keys) this.#bump.run(key.scope, key.account, key.address, at, since);
    });
  }

  async clear(keys: readonly LoginFailureKey[]): Promise<void> {
    this.#inTransaction(() => {
      for (const key of keys) {
        this.#clear.run(key.scope, key.account, key.address);
        this.#clearPending.run(key.scope, key.account, key.address);
      }
    });
  }

  async claimRefusal(key: LoginFailureKey, until: number, now: number): Promise<boolean> {
    return this.#claimRefusal.get(until, key.scope, key.account, key.address, now) !== undefined;
  }

  async clearAccount(account: string): Promise<number> {
    return Number(this.#clearAccount.run(account).changes);
  }

  async rememberAddress(account: string, address: string, at: number): Promise<void> {
    this.#remember.run(account, address, at);
  }

  async isKnownAddress(account: string, address: string, since: number): Promise<boolean> {
    return this.#known.get(account, address, since) !== undefined;
  }

  async deleteBefore(t: number): Promise<number> {
    return Number(this.#deleteBefore.run(t, t).changes);
  }

  async forgetAddressesBefore(t: number): Promise<number> {
    return Number(this.#forgetAddresses.run(t).changes);
  }

  /** Runs fn in one write transaction (BEGIN IMMEDIATE: another connection's writer waits, see busy_timeout). */
  #inTransaction<T>(fn: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.#db.exec("COMMIT");
      return result;
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }
}
