import type { UserRecord } from "./user-repository.ts";

/** A browser session. Only the SHA-256 of the cookie's value is stored, as `idHash`. */
export interface SessionRecord {
  idHash: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end of the session, however active it is. */
  expiresAt: number;
  clientAddress: string;
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  /** The session with its user, in one read, so that each request costs one query. */
  find(idHash: string): Promise<{ session: SessionRecord; user: UserRecord } | null>;
  touch(idHash: string, lastSeenAt: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  deleteForUser(userId: string): Promise<void>;
  /** Removes sessions past their absolute end or idle since before `idleSince`. */
  deleteExpired(now: number, idleSince: number): Promise<number>;
}
