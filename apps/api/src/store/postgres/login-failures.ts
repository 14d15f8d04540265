import type pg from "pg";
import type {
  LoginFailureCount,
  LoginFailureKey,
  LoginFailureRepository,
} from "../login-failure-repository.ts";
import { pgText, transaction } from "./database.ts";

/** The counters of the keys given, passed as three parallel arrays to `unnest`. */
function keyArrays(keys: readonly LoginFailureKey[]): [string[], string[], string[]] {
  return [keys.map((k) => k.scope), keys.map((k) => pgText(k.account)), keys.map((k) => pgText(k.address))];
}

/** Shared by every replica, so that N replicas do not allow N times the attempts. */
export class PgLoginFailureRepository implements LoginFailureRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async find(keys: readonly LoginFailureKey[], since: number): Promise<LoginFailureCount[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.#pool.query<{
      scope: string;
      account: string;
      address: string;
      failures: number;
      last_failure_at: number;
    }>(
      `SELECT f.scope, f.account, f.address, f.failures, f.last_failure_at
       FROM unnest($1::text[], $2::text[], $3::text[]) AS k(scope, account, address)
       JOIN login_failures f USING (scope, account, address)
       WHERE f.last_failure_at > $4`,
      [...keyArrays(keys), since],
    );
    // In the order of the keys asked for, as SQLite answers.
    return keys.flatMap((key) => {
      const row = rows.find(
        (r) =>
          r.scope === key.scope && r.account === pgText(key.account) && r.address === pgText(key.address),
      );
      return row ? [{ ...key, failures: row.failures, lastFailureAt: row.last_failure_at }] : [];
    });
  }

  async recordFailure(keys: readonly LoginFailureKey[], at: number, since: number): Promise<void> {
    await transaction(this.#pool, async (client) => {
      for (const key of keys) {
        await client.query(
          `INSERT INTO login_failures (scope, account, address, failures, last_failure_at) VALUES ($1, $2, $3, 1, $4)
           ON CONFLICT (scope, account, address) DO UPDATE SET
             failures = CASE WHEN login_failures.last_failure_at > $5 THEN login_failures.failures + 1 ELSE 1 END,
             last_failure_at = excluded.last_failure_at`,
          [key.scope, pgText(key.account), pgText(key.address), at, since],
        );
      }
    });
  }

  async clear(keys: readonly LoginFailureKey[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#pool.query(
      `DELETE FROM login_failures f USING unnest($1::text[], $2::text[], $3::text[]) AS k(scope, account, address)
       WHERE f.scope = k.scope AND f.account = k.account AND f.address = k.address`,
      keyArrays(keys),
    );
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
    const { rowCount } = await this.#pool.query("DELETE FROM login_failures WHERE last_failure_at < $1", [t]);
    return rowCount ?? 0;
  }

  async forgetAddressesBefore(t: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      "DELETE FROM login_known_addresses WHERE last_success_at < $1",
      [t],
    );
    return rowCount ?? 0;
  }
}
