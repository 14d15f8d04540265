import { randomUUID } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { Role } from "@crowsnest/protocol";
import type { NewUser, UserChange, UserPatch, UserRecord, UserRepository } from "../user-repository.ts";

const COLUMNS = "id, username, role, disabled, password_hash, created_at";

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
      `INSERT INTO users (${COLUMNS}) VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (username) DO NOTHING`,
    );
    this.#byId = db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`);
    this.#byUsername = db.prepare(`SELECT ${COLUMNS} FROM users WHERE username = ?`);
    this.#all = db.prepare(`SELECT ${COLUMNS} FROM users ORDER BY created_at, username`);
    this.#count = db.prepare("SELECT count(*) AS n FROM users");
    this.#otherActiveAdmins = db.prepare(
      "SELECT count(*) AS n FROM users WHERE role = 'ADMIN' AND disabled = 0 AND id <> ?",
    );
    this.#update = db.prepare("UPDATE users SET role = ?, disabled = ?, password_hash = ? WHERE id = ?");
    this.#delete = db.prepare("DELETE FROM users WHERE id = ?");
  }

  async create(user: NewUser): Promise<UserRecord | null> {
    const id = randomUUID();
    const { changes } = this.#insert.run(id, user.username, user.role, user.passwordHash, user.createdAt);
    if (changes === 0) return null;
    return { id, disabled: false, ...user };
  }

  async get(id: string): Promise<UserRecord | null> {
    return toUser(this.#byId.get(id));
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    return toUser(this.#byUsername.get(username));
  }

  async list(): Promise<UserRecord[]> {
    return this.#all.all().map((row) => toUser(row) as UserRecord);
  }

  async count(): Promise<number> {
    return Number((this.#count.get() as { n: number }).n);
  }

  // The read, the last-admin check and the write below run synchronously on one connection, so
  // no other statement can interleave: the check cannot go stale before the write.
  async update(id: string, patch: UserPatch): Promise<UserChange> {
    const user = toUser(this.#byId.get(id));
    if (!user) return { kind: "not_found" };
    const next: UserRecord = {
      ...user,
      role: patch.role ?? user.role,
      disabled: patch.disabled ?? user.disabled,
      passwordHash: patch.passwordHash ?? user.passwordHash,
    };
    if (isActiveAdmin(user) && !isActiveAdmin(next) && this.#isLastActiveAdmin(id)) {
      return { kind: "last_admin" };
    }
    this.#update.run(next.role, next.disabled ? 1 : 0, next.passwordHash, id);
    return { kind: "done", user: next };
  }

  async delete(id: string): Promise<UserChange> {
    const user = toUser(this.#byId.get(id));
    if (!user) return { kind: "not_found" };
    if (isActiveAdmin(user) && this.#isLastActiveAdmin(id)) return { kind: "last_admin" };
    this.#delete.run(id);
    return { kind: "done", user };
  }

  #isLastActiveAdmin(id: string): boolean {
    return Number((this.#otherActiveAdmins.get(id) as { n: number }).n) === 0;
  }
}

function isActiveAdmin(user: UserRecord): boolean {
  return user.role === "ADMIN" && !user.disabled;
}

function toUser(row: unknown): UserRecord | null {
  if (row === undefined) return null;
  const r = row as Record<string, string | number>;
  return {
    id: String(r.id),
    username: String(r.username),
    role: Role.parse(r.role),
    disabled: r.disabled === 1,
    passwordHash: String(r.password_hash),
    createdAt: Number(r.created_at),
  };
}
