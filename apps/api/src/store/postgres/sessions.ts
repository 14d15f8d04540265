import type pg from "pg";
import type { SessionRecord, SessionRepository } from "../session-repository.ts";
import type { UserRecord } from "../user-repository.ts";
import { toUserRecord, type UserRow } from "../user-rows.ts";

interface SessionRow {
  id_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  client_address: string;
}

export class PgSessionRepository implements SessionRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(s: SessionRecord): Promise<void> {
    await this.#pool.query(
      `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, client_address)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [s.idHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt, s.clientAddress],
    );
  }

  async find(idHash: string): Promise<{ session: SessionRecord; user: UserRecord } | null> {
    const { rows } = await this.#pool.query<SessionRow & { user: UserRow }>(
      `SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.client_address,
              json_build_object('id', u.id, 'username', u.username, 'role', u.role, 'disabled', u.disabled,
                                'password_hash', u.password_hash, 'created_at', u.created_at) AS user
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1`,
      [idHash],
    );
    const row = rows[0];
    if (!row) return null;
    const session: SessionRecord = {
      idHash: row.id_hash,
      userId: row.user_id,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      expiresAt: row.expires_at,
      clientAddress: row.client_address,
    };
    return { session, user: toUserRecord(row.user) };
  }

  async touch(idHash: string, lastSeenAt: number): Promise<void> {
    await this.#pool.query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2", [lastSeenAt, idHash]);
  }

  async delete(idHash: string): Promise<void> {
    await this.#pool.query("DELETE FROM sessions WHERE id_hash = $1", [idHash]);
  }

  async deleteForUser(userId: string): Promise<void> {
    await this.#pool.query("DELETE FROM sessions WHERE user_id = $1", [userId]);
  }

  async deleteExpired(now: number, idleSince: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2",
      [now, idleSince],
    );
    return rowCount ?? 0;
  }
}
