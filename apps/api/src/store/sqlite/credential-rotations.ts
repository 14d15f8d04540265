import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { CredentialRotationRepository } from "../credential-rotation-repository.ts";
import { transaction } from "./database.ts";
import type { HostAccessStatements } from "./host-access.ts";

export class SqliteCredentialRotationRepository implements CredentialRotationRepository {
  readonly #db: DatabaseSync;
  readonly #access: HostAccessStatements;
  readonly #request: StatementSync;

  constructor(db: DatabaseSync, access: HostAccessStatements) {
    this.#db = db;
    this.#access = access;
    this.#request = db.prepare(
      "INSERT INTO credential_rotations (host_id, requested_at) VALUES (?, ?) ON CONFLICT (host_id) DO NOTHING",
    );
  }

  async request(hostId: string, now: number): Promise<void> {
    this.#request.run(hostId, now);
  }

  async complete(hostId: string, credentialHash: string, now: number): Promise<boolean> {
    return transaction(this.#db, () => {
      if (!this.#access.takeRotation(hostId)) return false;
      this.#access.replaceCredential(hostId, credentialHash, now);
      return true;
    });
  }
}
