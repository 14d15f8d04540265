import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { EnrolmentTokenRepository } from "../enrolment-token-repository.ts";
import { transaction } from "./database.ts";
import type { HostAccessStatements } from "./host-access.ts";

export class SqliteEnrolmentTokenRepository implements EnrolmentTokenRepository {
  readonly #db: DatabaseSync;
  readonly #access: HostAccessStatements;
  readonly #seen: StatementSync;

  constructor(db: DatabaseSync, access: HostAccessStatements) {
    this.#db = db;
    this.#access = access;
    this.#seen = db.prepare("UPDATE hosts SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?");
  }

  async redeem(tokenHash: string, credentialHash: string, now: number): Promise<string | null> {
    return transaction(this.#db, () => {
      const hostId = this.#access.redeemToken(tokenHash, now);
      if (hostId === null) return null;
      this.#access.replaceCredential(hostId, credentialHash, now);
      this.#seen.run(now, hostId);
      return hostId;
    });
  }
}
