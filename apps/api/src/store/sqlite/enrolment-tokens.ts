import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { EnrolmentTokenRepository, NewEnrolmentToken } from "../enrolment-token-repository.ts";

export class SqliteEnrolmentTokenRepository implements EnrolmentTokenRepository {
  readonly #insert: StatementSync;
  readonly #redeem: StatementSync;
  readonly #revokeForHost: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      `INSERT INTO enrolment_tokens (token_hash, host_id, created_at, expires_at, used_at, created_by)
       VALUES (?, ?, ?, ?, NULL, ?)`,
    );
    // Check and mark in one statement: a token can be redeemed once, whoever asks at the same time.
    this.#redeem = db.prepare(
      `UPDATE enrolment_tokens SET used_at = ?
       WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING host_id`,
    );
    this.#revokeForHost = db.prepare(
      "UPDATE enrolment_tokens SET used_at = ? WHERE host_id = ? AND used_at IS NULL",
    );
  }

  async create(t: NewEnrolmentToken): Promise<void> {
    this.#insert.run(t.tokenHash, t.hostId, t.createdAt, t.expiresAt, t.createdBy);
  }

  async redeem(tokenHash: string, now: number): Promise<string | null> {
    const row = this.#redeem.get(now, tokenHash, now) as { host_id: string } | undefined;
    return row ? row.host_id : null;
  }

  async revokeForHost(hostId: string, now: number): Promise<void> {
    this.#revokeForHost.run(now, hostId);
  }
}
