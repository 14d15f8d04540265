import type pg from "pg";
import type { EnrolmentTokenRepository } from "../enrolment-token-repository.ts";
import { transaction } from "./database.ts";
import { redeemToken, replaceCredential } from "./host-access.ts";

export class PgEnrolmentTokenRepository implements EnrolmentTokenRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async redeem(tokenHash: string, credentialHash: string, now: number): Promise<string | null> {
    return transaction(this.#pool, async (client) => {
      const hostId = await redeemToken(client, tokenHash, now);
      if (hostId !== null) await replaceCredential(client, hostId, credentialHash, now);
      return hostId;
    });
  }
}
