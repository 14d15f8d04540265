import type { DatabaseSync } from "node:sqlite";
import type { EnrolmentTokenRepository } from "../enrolment-token-repository.ts";
import { transaction } from "./database.ts";
import type { HostAccessStatements } from "./host-access.ts";

export class SqliteEnrolmentTokenRepository implements EnrolmentTokenRepository {
  readonly #db: DatabaseSync;
  readonly #access: HostAccessStatements;

  constructor(db: DatabaseSync, access: HostAccessStatements) {
    this.#db = db;
    this.#access = access;
  }

  async redeem(tokenHash: string, credentialHash: string, now: number): Promise<string | null> {
    return transaction(this.#db, () => {
      const hostId = this.#access.redeemToken(tokenHash, now);
      if (hostId !== null) this.#access.replaceCredential(hostId, credentialHash, now);
      return hostId;
    });
  }
}
