import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { NewHostAccess } from "../store.ts";

/**
 * The statements on a host's ways in (credentials, enrolment tokens, pending rotations), shared
 * by the repositories whose atomic operations span these tables. They do not open transactions:
 * the repositories run them inside one (`transaction` in database.ts). Times are epoch ms; only
 * SHA-256 hashes of tokens are stored.
 */
export class HostAccessStatements {
  readonly #addCredential: StatementSync;
  readonly #revokeCredentials: StatementSync;
  readonly #addToken: StatementSync;
  readonly #redeemToken: StatementSync;
  readonly #revokeTokens: StatementSync;
  readonly #takeRotation: StatementSync;

  constructor(db: DatabaseSync) {
    this.#addCredential = db.prepare(
      "INSERT INTO host_credentials (token_hash, host_id, created_at) VALUES (?, ?, ?)",
    );
    this.#revokeCredentials = db.prepare(
      "UPDATE host_credentials SET revoked_at = ? WHERE host_id = ? AND revoked_at IS NULL",
    );
    this.#addToken = db.prepare(
      `INSERT INTO enrolment_tokens (token_hash, host_id, created_at, expires_at, used_at, created_by)
       VALUES (?, ?, ?, ?, NULL, ?)`,
    );
    // Check and mark in one statement: a token can be redeemed once, whoever asks at the same time.
    this.#redeemToken = db.prepare(
      `UPDATE enrolment_tokens SET used_at = ?
       WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING host_id`,
    );
    this.#revokeTokens = db.prepare(
      "UPDATE enrolment_tokens SET used_at = ? WHERE host_id = ? AND used_at IS NULL",
    );
    this.#takeRotation = db.prepare("DELETE FROM credential_rotations WHERE host_id = ? RETURNING host_id");
  }

  /** Stores a new host's first way in. */
  grant(hostId: string, access: NewHostAccess, now: number): void {
    if (access.kind === "credential") {
      this.#addCredential.run(access.tokenHash, hostId, now);
    } else {
      this.#addToken.run(access.tokenHash, hostId, now, access.expiresAt, access.createdBy);
    }
  }

  /** Revokes the host's credentials and stores this one: the host has exactly one. */
  replaceCredential(hostId: string, tokenHash: string, now: number): void {
    this.#revokeCredentials.run(now, hostId);
    this.#addCredential.run(tokenHash, hostId, now);
  }

  /** Revokes the host's credentials, invalidates its unused tokens and drops a pending rotation; returns the credentials revoked. */
  revokeAll(hostId: string, now: number): number {
    this.takeRotation(hostId);
    this.#revokeTokens.run(now, hostId);
    return Number(this.#revokeCredentials.run(now, hostId).changes);
  }

  /** Marks an unused, unexpired token used; its host's id, or null. */
  redeemToken(tokenHash: string, now: number): string | null {
    const row = this.#redeemToken.get(now, tokenHash, now) as { host_id: string } | undefined;
    return row?.host_id ?? null;
  }

  /** Removes the host's pending rotation; true when there was one. */
  takeRotation(hostId: string): boolean {
    return this.#takeRotation.get(hostId) !== undefined;
  }
}
