import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { CredentialRotationRepository } from "../credential-rotation-repository.ts";

export class SqliteCredentialRotationRepository implements CredentialRotationRepository {
  readonly #request: StatementSync;
  readonly #complete: StatementSync;

  constructor(db: DatabaseSync) {
    this.#request = db.prepare(
      "INSERT INTO credential_rotations (host_id, requested_at) VALUES (?, ?) ON CONFLICT (host_id) DO NOTHING",
    );
    this.#complete = db.prepare("DELETE FROM credential_rotations WHERE host_id = ? RETURNING host_id");
  }

  async request(hostId: string, now: number): Promise<void> {
    this.#request.run(hostId, now);
  }

  async complete(hostId: string): Promise<boolean> {
    return this.#complete.get(hostId) !== undefined;
  }

  async cancel(hostId: string): Promise<void> {
    this.#complete.run(hostId);
  }
}
