import type pg from "pg";
import type { NewHostAccess } from "../store.ts";

/**
 * The statements on a host's ways in (credentials, enrolment tokens, pending rotations), shared by
 * the repositories whose atomic operations span these tables. Each runs on the client of the
 * caller's transaction (`transaction` in database.ts); none opens one. Times are epoch ms; only
 * SHA-256 hashes of tokens are stored.
 */

/** Stores a new host's first way in. */
export async function grant(
  db: pg.PoolClient,
  hostId: string,
  access: NewHostAccess,
  now: number,
): Promise<void> {
  if (access.kind === "credential") {
    await addCredential(db, hostId, access.tokenHash, now);
  } else {
    await db.query(
      `INSERT INTO enrolment_tokens (token_hash, host_id, created_at, expires_at, used_at, created_by)
       VALUES ($1, $2, $3, $4, NULL, $5)`,
      [access.tokenHash, hostId, now, access.expiresAt, access.createdBy],
    );
  }
}

/** Revokes the host's credentials and stores this one: the host has exactly one. */
export async function replaceCredential(
  db: pg.PoolClient,
  hostId: string,
  tokenHash: string,
  now: number,
): Promise<void> {
  await revokeCredentials(db, hostId, now);
  await addCredential(db, hostId, tokenHash, now);
}

/** Revokes the host's credentials, invalidates its unused tokens and drops a pending rotation; returns the credentials revoked. */
export async function revokeAll(db: pg.PoolClient, hostId: string, now: number): Promise<number> {
  await takeRotation(db, hostId);
  await db.query("UPDATE enrolment_tokens SET used_at = $1 WHERE host_id = $2 AND used_at IS NULL", [
    now,
    hostId,
  ]);
  return revokeCredentials(db, hostId, now);
}

/**
 * Marks an unused, unexpired token used; its host's id, or null. One statement checks and marks:
 * of two transactions redeeming the same token, the second waits on the row and then finds it used.
 */
export async function redeemToken(db: pg.PoolClient, tokenHash: string, now: number): Promise<string | null> {
  const { rows } = await db.query<{ host_id: string }>(
    `UPDATE enrolment_tokens SET used_at = $1
     WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING host_id`,
    [now, tokenHash],
  );
  return rows[0]?.host_id ?? null;
}

/** Removes the host's pending rotation; true when there was one (of two callers at once, one). */
export async function takeRotation(db: pg.PoolClient, hostId: string): Promise<boolean> {
  const { rowCount } = await db.query("DELETE FROM credential_rotations WHERE host_id = $1", [hostId]);
  return (rowCount ?? 0) > 0;
}

async function addCredential(
  db: pg.PoolClient,
  hostId: string,
  tokenHash: string,
  now: number,
): Promise<void> {
  await db.query("INSERT INTO host_credentials (token_hash, host_id, created_at) VALUES ($1, $2, $3)", [
    tokenHash,
    hostId,
    now,
  ]);
}

async function revokeCredentials(db: pg.PoolClient, hostId: string, now: number): Promise<number> {
  const { rowCount } = await db.query(
    "UPDATE host_credentials SET revoked_at = $1 WHERE host_id = $2 AND revoked_at IS NULL",
    [now, hostId],
  );
  return rowCount ?? 0;
}
