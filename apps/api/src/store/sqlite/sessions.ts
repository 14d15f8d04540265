import type { DatabaseSync, StatementSync } from "node:sqlite";
import { Role } from "@crowsnest/protocol";
import type { SessionRecord, SessionRepository } from "../session-repository.ts";
import type { UserRecord } from "../user-repository.ts";

export class SqliteSessionRepository implements SessionRepository {
  readonly #insert: StatementSync;
  readonly #find: StatementSync;
  readonly #touch: StatementSync;
  readonly #delete: StatementSync;
  readonly #deleteForUser: StatementSync;
  readonly #deleteExpired: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, client_address)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#find = db.prepare(
      `SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.client_address,
              u.username, u.role, u.disabled, u.password_hash, u.created_at AS user_created_at
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`,
    );
    this.#touch = db.prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?");
    this.#delete = db.prepare("DELETE FROM sessions WHERE id_hash = ?");
    this.#deleteForUser = db.prepare("DELETE FROM sessions WHERE user_id = ?");
    this.#deleteExpired = db.prepare("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?");
  }

  async create(s: SessionRecord): Promise<void> {
    this.#insert.run(s.idHash, s.userId, s.createdAt, s.lastSeenAt, s.expiresAt, s.clientAddress);
  }

  async find(idHash: string): Promise<{ session: SessionRecord; user: UserRecord } | null> {
    const row = this.#find.get(idHash) as Record<string, string | number> | undefined;
    if (!row) return null;
    const session: SessionRecord = {
      idHash: String(row.id_hash),
      userId: String(row.user_id),
      createdAt: Number(row.created_at),
      lastSeenAt: Number(row.last_seen_at),
      expiresAt: Number(row.expires_at),
      clientAddress: String(row.client_address),
    };
    const user: UserRecord = {
      id: session.userId,
      username: String(row.username),
      role: Role.parse(row.role),
      disabled: row.disabled === 1,
      passwordHash: String(row.password_hash),
      createdAt: Number(row.user_created_at),
    };
    return { session, user };
  }

  async touch(idHash: string, lastSeenAt: number): Promise<void> {
    this.#touch.run(lastSeenAt, idHash);
  }

  async delete(idHash: string): Promise<void> {
    this.#delete.run(idHash);
  }

  async deleteForUser(userId: string): Promise<void> {
    this.#deleteForUser.run(userId);
  }

  async deleteExpired(now: number, idleSince: number): Promise<number> {
    return Number(this.#deleteExpired.run(now, idleSince).changes);
  }
}
