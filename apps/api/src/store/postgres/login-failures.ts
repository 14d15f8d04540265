import type pg from "pg";
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
import { pgText, transaction } from "./database.ts";

/** The counters of the keys given, passed as three parallel arrays to `unnest`. */
function keyArrays(keys: readonly LoginFailureKey[]): [string[], string[], string[]] {
  return [keys.map((k) => k.scope), keys.map((k) => pgText(k.account)), keys.map((k) => pgText(k.address))];
}

/** A counter's key as a statement over several keys returns it beside the counter's columns. */
interface KeyColumns {
  scope: string;
  account: string;
  address: string;
}

/** The row among `rows` of the counter `key` (its text as stored: see pgText), if any. */
function rowOf<R extends KeyColumns>(rows: readonly R[], key: LoginFailureKey): R | undefined {
  return rows.find(
    (r) => r.scope === key.scope && r.account === pgText(key.account) && r.address === pgText(key.address),
  );
}

/** Shared by every replica, so that N replicas do not allow N times the attempts. */
export class PgLoginFailureRepository implements LoginFailureRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async find(keys: readonly LoginFailureKey[], since: number): Promise<LoginFailureCount[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.#pool.query<KeyColumns & LoginFailureRow>(
      `SELECT f.scope, f.account, f.address, f.failures, f.last_failure_at
       FROM unnest($1::text[], $2::text[], $3::text[]) AS k(scope, account, address)
       JOIN login_failures f USING (scope, account, address)
       WHERE f.last_failure_at > $4`,
      [...keyArrays(keys), since],
    );
    // In the order of the keys asked for, as SQLite answers.
    return keys.flatMap((key) => {
      const row = rowOf(rows, key);
      return row ? [toLoginFailureCount(key, row)] : [];
    });
  }

  async reserve(
    keys: readonly LoginFailureKey[],
    at: number,
    since: number,
    pendingSince: number,
  ): Promise<LoginFailureReservation[]> {
    if (keys.length === 0) return [];
    // One statement: each row is locked as it is upserted, so reservations of the same counter
    // from any server follow one another, each seeing those before it. Rows are taken in the
    // keys' order (scope by scope, as every caller orders them), so two attempts cannot deadlock.
    // A new counter has no failure yet (last_failure_at 0): only its reservation.
    const { rows } = await this.#pool.query<KeyColumns & LoginReservationRow>(
      `INSERT INTO login_failures AS f (scope, account, address, failures, last_failure_at, pending, pending_at)
       SELECT k.scope, k.account, k.address, 0, 0, 1, $4
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(scope, account, address, n)
       ORDER BY k.n
       ON CONFLICT (scope, account, address) DO UPDATE SET
         pending = CASE WHEN f.pending_at > $5 THEN f.pending + 1 ELSE 1 END,
         pending_at = excluded.pending_at
       RETURNING f.scope, f.account, f.address, f.last_failure_at, f.pending,
         CASE WHEN f.last_failure_at > $6 THEN f.failures ELSE 0 END AS failures`,
      [...keyArrays(keys), at, pendingSince, since],
    );
    return keys.map((key) => {
      const row = rowOf(rows, key);
      if (!row) throw new Error(`login_failures: no row returned for a ${key.scope} reservation`);
      return toLoginReservation(key, row);
    });
  }

  async release(keys: readonly LoginFailureKey[]): Promise<void> {
    await this.#eachKey(
      keys,
      `UPDATE login_failures SET pending = GREATEST(pending - 1, 0)
       WHERE scope = $1 AND account = $2 AND address = $3`,
    );
  }

  async recordFailure(keys: readonly LoginFailureKey[], at: number, since: number): Promise<void> {
    await transaction(this.#pool, async (client) => {
      for (const key of keys) {
        await client.query(
          `INSERT INTO login_failures (scope, account, address, failures, last_failure_at) VALUES ($1, $2, $3, 1, $4)
           ON CONFLICT (scope, account, address) DO UPDATE SET
             failures = CASE WHEN login_failures.last_failure_at > $5 THEN login_failures.failures + 1 ELSE 1 END,
             last_failure_at = excluded.last_failure_at,
             pending = GREATEST(login_failures.pending - 1, 0)`,
          [key.scope, pgText(key.account), pgText(key.address), at, since],
        );
      }
    });
  }

  async clear(keys: readonly LoginFailureKey[]): Promise<void> {
    // A counter other attempts still have reservations on stays, without its failures.
    await this.#eachKey(
      keys,
      `DELETE FROM login_failures WHERE scope = $1 AND account = $2 AND address = $3 AND pending <= 1`,
      `UPDATE login_failures
       SET failures = 0, last_failure_at = 0, lock_reported_until = 0, pending = pending - 1
       WHERE scope = $1 AND account = $2 AND address = $3`,
    );
  }

  async claimRefusal(key: LoginFailureKey, until: number, now: number): Promise<boolean> {
    // The row lock makes the claims of one counter follow one another: the first sets the time
    // that every later one, from any server, finds not yet passed.
    const { rowCount } = await this.#pool.query(
      `UPDATE login_failures SET lock_reported_until = $1
       WHERE scope = $2 AND account = $3 AND address = $4 AND lock_reported_until <= $5`,
      [until, key.scope, pgText(key.account), pgText(key.address), now],
    );
    return (rowCount ?? 0) > 0;
  }

  async clearAccount(account: string): Promise<number> {
    const { rowCount } = await this.#pool.query(
      "DELETE FROM login_failures WHERE account = $1 AND scope IN ('account', 'pair')",
      [pgText(account)],
    );
    return rowCount ?? 0;
  }

  async rememberAddress(account: string, address: string, at: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO login_known_addresses (account, address, last_success_at) VALUES ($1, $2, $3)
       ON CONFLICT (account, address) DO UPDATE SET last_success_at = excluded.last_success_at`,
      [pgText(account), pgText(address), at],
    );
  }

  async isKnownAddress(account: string, address: string, since: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      "SELECT 1 FROM login_known_addresses WHERE account = $1 AND address = $2 AND last_success_at > $3",
      [pgText(account), pgText(address), since],
    );
    return (rowCount ?? 0) > 0;
  }

  async deleteBefore(t: number): Promise<number> {
    // Rows a sign-in's transaction holds are skipped, not waited for: a sweep that locked one
    // counter and waited on another could deadlock with a sign-in locking them in its keys' order
    // (one of the two then fails with 40P01). A counter in use is not stale; the next sweep gets it.
    const { rowCount } = await this.#pool.query(
      `DELETE FROM login_failures WHERE (scope, account, address) IN (
         SELECT scope, account, address FROM login_failures
         WHERE last_failure_at < $1 AND (pending = 0 OR pending_at < $1)
         FOR UPDATE SKIP LOCKED)`,
      [t],
    );
    return rowCount ?? 0;
  }

  async forgetAddressesBefore(t: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      "DELETE FROM login_known_addresses WHERE last_success_at < $1",
      [t],
    );
    return rowCount ?? 0;
  }

  /**
   * Runs each statement (parameters: scope, account, address) on each key in turn, in one
   * transaction. Key by key in the keys' order, as `reserve` and `recordFailure` lock them, so
   * that two transactions on the same counters cannot deadlock.
   */
  async #eachKey(keys: readonly LoginFailureKey[], ...statements: string[]): Promise<void> {
    if (keys.length === 0) return;
    await transaction(this.#pool, async (client) => {
      for (const key of keys) {
        for (const sql of statements)
          await client.query(sql, [key.scope, pgText(key.account), pgText(key.address)]);
      }
    });
  }
}
