import type { Role } from "@crowsnest/protocol";

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  passwordHash: string;
  createdAt: number;
}

export interface NewUser {
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
}

export interface UserPatch {
  role?: Role;
  disabled?: boolean;
  passwordHash?: string;
}

/**
 * `last_admin`: the change would leave no enabled ADMIN, so it was not made. The check and the
 * write happen in one transaction, so two admins demoting each other at once cannot both succeed.
 */
export type UserChange = { kind: "done"; user: UserRecord } | { kind: "not_found" } | { kind: "last_admin" };

export interface UserRepository {
  /** Null when the username is taken (usernames are unique regardless of case). */
  create(user: NewUser): Promise<UserRecord | null>;
  get(id: string): Promise<UserRecord | null>;
  findByUsername(username: string): Promise<UserRecord | null>;
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;
  update(id: string, patch: UserPatch): Promise<UserChange>;
  delete(id: string): Promise<UserChange>;
}
