import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { NewUser, UserChange, UserPatch, UserRecord, UserRepository } from "../user-repository.ts";
import {
  newUserRecord,
  patchedUser,
  removesActiveAdmin,
  toUserRecord,
  USER_COLUMNS,
  type UserRow,
} from "../user-rows.ts";

export class SqliteUserRepository implements UserRepository {
  readonly #insert: StatementSync;
  readonly #byId: StatementSync;
  readonly #byUsername: StatementSync;
  readonly #all: StatementSync;
  readonly #count: StatementSync;
  readonly #otherActiveAdmins: StatementSync;
  readonly #update: StatementSync;
  readonly #delete: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      `INSERT INTO users (${USER_COLUMNS}) VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (username) DO NOTHING`,
    );
    this.#byId = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.#byUsername = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`);
    this.#all = db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, username`);
    this.#count = db.prepare("SELECT count(*) AS n FROM users");
    this.#otherActiveAdmins = db.prepare(
      "SELECT count(*) AS n FROM users WHERE role = 'ADMIN' AND disabled = 0 AND id <> ?",
    );
    this.#update = db.prepare("UPDATE users SET role = ?, disabled = ?, password_hash = ? WHERE id = ?");
    this.#delete = db.prepare("DELETE FROM users WHERE id = ?");
  }

  async create(user: NewUser): Promise<UserRecord | null> {
    const record = newUserRecord(user);
    const { changes } = this.#insert.run(
      record.id,
      user.username,
      user.role,
      user.passwordHash,
      user.createdAt,
    );
    if (changes === 0) return null;
    return record;
  }

  async get(id: string): Promise<UserRecord | null> {
    return toUser(this.#byId.get(id));
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    return toUser(this.#byUsername.get(username));
  }

  async list(): Promise<UserRecord[]> {
    return (this.#all.all() as unknown as UserRow[]).map(toUserRecord);
  }

  async count(): Promise<number> {
    return Number((this.#count.get() as { n: number }).n);
  }

  // The read, the last-admin check and the write below run synchronously on one connection, so
  // no other statement can interleave: the check cannot go stale before the write.
  async update(id: string, patch: UserPatch): Promise<UserChange> {
    const user = toUser(this.#byId.get(id));
    if (!user) return { kind: "not_found" };
    const next = patchedUser(user, patch);
    if (removesActiveAdmin(user, next) && this.#isLastActiveAdmin(id)) {
      return { kind: "last_admin" };
    }
    this.#update.run(next.role, next.disabled ? 1 : 0, next.passwordHash, id);
    return { kind: "done", user: next };
  }

  async delete(id: string): Promise<UserChange> {
    const user = toUser(this.#byId.get(id));
    if (!user) return { kind: "not_found" };
    if (removesActiveAdmin(user, null) && this.#isLastActiveAdmin(id)) return { kind: "last_admin" };
    this.#delete.run(id);
    return { kind: "done", user };
  }

  #isLastActiveAdmin(id: string): boolean {
    return Number((this.#otherActiveAdmins.get(id) as { n: number }).n) === 0;
  }
}

/** The user a `users` row selected by USER_COLUMNS holds, or null when no row was found. */
function toUser(row: unknown): UserRecord | null {
  return row === undefined ? null : toUserRecord(row as UserRow);
}
