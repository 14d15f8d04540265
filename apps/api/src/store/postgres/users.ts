import type pg from "pg";
import type { NewUser, UserChange, UserPatch, UserRecord, UserRepository } from "../user-repository.ts";
import {
  newUserRecord,
  patchedUser,
  removesActiveAdmin,
  toUserRecord,
  USER_COLUMNS,
  type UserRow,
} from "../user-rows.ts";
import { pgText, type Queryable, transaction } from "./database.ts";

/**
 * Key of the transaction-scoped advisory lock held while a change that could leave no enabled
 * ADMIN is checked and written: two admins demoting each other at once, on any replicas, are
 * serialised, so the second sees the first's change. Any constant; "cnadmins".
 */
const ADMINS_LOCK = "7165064587930873459";

export class PgUserRepository implements UserRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(user: NewUser): Promise<UserRecord | null> {
    const record = newUserRecord(user);
    const { rowCount } = await this.#pool.query(
      `INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, false, $4, $5)
       ON CONFLICT ((lower(username))) DO NOTHING`,
      [record.id, user.username, user.role, user.passwordHash, user.createdAt],
    );
    if (rowCount === 0) return null;
    return record;
  }

  async get(id: string): Promise<UserRecord | null> {
    return byId(this.#pool, id);
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    const { rows } = await this.#pool.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE lower(username) = lower($1)`,
      [pgText(username)],
    );
    return rows[0] ? toUserRecord(rows[0]) : null;
  }

  async list(): Promise<UserRecord[]> {
    const { rows } = await this.#pool.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, username`,
    );
    return rows.map(toUserRecord);
  }

  async count(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: number }>("SELECT count(*) AS n FROM users");
    return rows[0]?.n ?? 0;
  }

  async update(id: string, patch: UserPatch): Promise<UserChange> {
    return transaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [ADMINS_LOCK]);
      const user = await byId(client, id);
      if (!user) return { kind: "not_found" };
      const next = patchedUser(user, patch);
      if (removesActiveAdmin(user, next) && (await isLastActiveAdmin(client, id))) {
        return { kind: "last_admin" };
      }
      await client.query("UPDATE users SET role = $1, disabled = $2, password_hash = $3 WHERE id = $4", [
        next.role,
        next.disabled,
        next.passwordHash,
        id,
      ]);
      return { kind: "done", user: next };
    });
  }

  async delete(id: string): Promise<UserChange> {
    return transaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [ADMINS_LOCK]);
      const user = await byId(client, id);
      if (!user) return { kind: "not_found" };
      if (removesActiveAdmin(user, null) && (await isLastActiveAdmin(client, id)))
        return { kind: "last_admin" };
      await client.query("DELETE FROM users WHERE id = $1", [id]);
      return { kind: "done", user };
    });
  }
}

async function byId(db: Queryable, id: string): Promise<UserRecord | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ? toUserRecord(rows[0]) : null;
}

async function isLastActiveAdmin(db: Queryable, id: string): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*) AS n FROM users WHERE role = 'ADMIN' AND NOT disabled AND id <> $1",
    [id],
  );
  return (rows[0]?.n ?? 0) === 0;
}
