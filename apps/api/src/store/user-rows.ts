import { randomUUID } from "node:crypto";
import { Role } from "@crowsnest/protocol";
import type { NewUser, UserPatch, UserRecord } from "./user-repository.ts";

/** The columns of `users`, in the order a UserRow holds them and `create` inserts them. */
export const USER_COLUMNS = "id, username, role, disabled, password_hash, created_at";

/** A row of `users` as both backends select it (USER_COLUMNS). */
export interface UserRow {
  id: string;
  username: string;
  role: string;
  /** A boolean on PostgreSQL, 0 or 1 on SQLite. */
  disabled: boolean | number;
  password_hash: string;
  created_at: number;
}

/** A UserRow as a record (its role parsed again, so a hand-edited row cannot pass a bad one). */
export function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    role: Role.parse(row.role),
    disabled: row.disabled === true || row.disabled === 1,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

/** The record of a user that `create` is about to insert: a new random id, enabled. */
export function newUserRecord(user: NewUser): UserRecord {
  return { id: randomUUID(), disabled: false, ...user };
}

/** The user as `update` leaves it: each field the patch gives replaced, the others kept. */
export function patchedUser(user: UserRecord, patch: UserPatch): UserRecord {
  return {
    ...user,
    role: patch.role ?? user.role,
    disabled: patch.disabled ?? user.disabled,
    passwordHash: patch.passwordHash ?? user.passwordHash,
  };
}

/**
 * Whether changing `user` into `next` (null: deleting it) takes an enabled ADMIN away: the change
 * is then refused (`last_admin`) if no other enabled ADMIN is left.
 */
export function removesActiveAdmin(user: UserRecord, next: UserRecord | null): boolean {
  return isActiveAdmin(user) && (next === null || !isActiveAdmin(next));
}

function isActiveAdmin(user: UserRecord): boolean {
  return user.role === "ADMIN" && !user.disabled;
}
