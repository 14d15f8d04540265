import type pg from "pg";
import type { CredentialRotationRepository } from "../credential-rotation-repository.ts";
import { transaction } from "./database.ts";
import { replaceCredential, takeRotation } from "./host-access.ts";

export class PgCredentialRotationRepository implements CredentialRotationRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async request(hostId: string, now: number): Promise<void> {
    await this.#pool.query(
      "INSERT INTO credential_rotations (host_id, requested_at) VALUES ($1, $2) ON CONFLICT (host_id) DO NOTHING",
      [hostId, now],
    );
  }

  async complete(hostId: string, credentialHash: string, now: number): Promise<boolean> {
    return transaction(this.#pool, async (client) => {
      if (!(await takeRotation(client, hostId))) return false;
      await replaceCredential(client, hostId, credentialHash, now);
      return true;
    });
  }
}
