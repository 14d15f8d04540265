import type { DatabaseSync, StatementSync } from "node:sqlite";
import type {
  LoginFailureCount,
  LoginFailureKey,
  LoginFailureRepository,
} from "../login-failure-repository.ts";

export class SqliteLoginFailureRepository implements LoginFailureRepository {
  readonly #db: DatabaseSync;
  readonly #find: StatementSync;
  readonly #bump: StatementSync;
  readonly #clear: StatementSync;
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
    this.#bump = db.prepare(
      `INSERT INTO login_failures (scope, account, address, failures, last_failure_at) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (scope, account, address) DO UPDATE SET
         failures = CASE WHEN last_failure_at > ? THEN failures + 1 ELSE 1 END,
         last_failure_at = excluded.last_failure_at`,
    );
    this.#clear = db.prepare("DELETE FROM login_failures WHERE scope = ? AND account = ? AND address = ?");
    this.#clearAccount = db.prepare(
      "DELETE FROM login_failures WHERE account = ? AND scope IN ('account', 'pair')",
    );
    this.#deleteBefore = db.prepare("DELETE FROM login_failures WHERE last_failure_at < ?");
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
      const row = this.#find.get(key.scope, key.account, key.address, since) as
        | { failures: number; last_failure_at: number }
        | undefined;
      if (row) found.push({ ...key, failures: row.failures, lastFailureAt: row.last_failure_at });
    }
    return found;
  }

  async recordFailure(keys: readonly LoginFailureKey[], at: number, since: number): Promise<void> {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const key of keys) this.#bump.run(key.scope, key.account, key.address, at, since);
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
  }

  async clear(keys: readonly LoginFailureKey[]): Promise<void> {
    for (const key of keys) this.#clear.run(key.scope, key.account, key.address);
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
    return Number(this.#deleteBefore.run(t).changes);
  }

  async forgetAddressesBefore(t: number): Promise<number> {
    return Number(this.#forgetAddresses.run(t).changes);
  }
}
