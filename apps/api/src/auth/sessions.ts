import type { SessionRecord, SessionRepository } from "../store/session-repository.ts";
import type { UserRecord } from "../store/user-repository.ts";
import type { Principal } from "./principal.ts";
import { hashToken, mintSecret } from "./secret-token.ts";

export interface SessionConfig {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after login, however active. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = { idleMs: 12 * 3_600_000, absoluteMs: 7 * 86_400_000 };

/** How stale `last_seen_at` may get before a request writes it again: one write a minute, not one a request. */
const TOUCH_EVERY_MS = 60_000;

export interface ResolvedSession {
  principal: Principal;
  user: UserRecord;
}

/** Server-side sessions: the browser holds a random token, the store holds its SHA-256. */
export class SessionManager {
  readonly #sessions: SessionRepository;
  readonly #config: SessionConfig;
  readonly #now: () => number;

  constructor(sessions: SessionRepository, config: SessionConfig, now: () => number = Date.now) {
    this.#sessions = sessions;
    this.#config = config;
    this.#now = now;
  }

  /** A new session with a new random id; called at every login, so a planted id is never adopted. */
  async start(userId: string, clientAddress: string): Promise<string> {
    const { token, hash } = mintSecret();
    const now = this.#now();
    await this.#sessions.create({
      idHash: hash,
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.#config.absoluteMs,
      clientAddress,
    });
    return token;
  }

  /** The live session a token names, or null when it is unknown, expired or its user is disabled. */
  async resolve(token: string): Promise<ResolvedSession | null> {
    const idHash = hashToken(token);
    const found = await this.#sessions.find(idHash);
    if (!found) return null;
    const { session, user } = found;
    if (!this.#usable(session, user)) {
      await this.#sessions.delete(idHash);
      return null;
    }
    const now = this.#now();
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) await this.#sessions.touch(idHash, now);
    return {
      principal: { userId: user.id, username: user.username, role: user.role, sessionId: idHash },
      user,
    };
  }

  /**
   * Whether the session with this id hash (a Principal's `sessionId`) can still be used, without
   * counting as activity: an open live socket alone does not keep a session from idling out.
   */
  async isLive(idHash: string): Promise<boolean> {
    const found = await this.#sessions.find(idHash);
    return found !== null && this.#usable(found.session, found.user);
  }

  async end(token: string): Promise<void> {
    await this.#sessions.delete(hashToken(token));
  }

  /** Ends the one session with this id hash (a Principal's `sessionId`): "log out" in this browser only. */
  async endSession(idHash: string): Promise<void> {
    await this.#sessions.delete(idHash);
  }

  async endAllFor(userId: string): Promise<void> {
    await this.#sessions.deleteForUser(userId);
  }

  #usable(session: SessionRecord, user: UserRecord): boolean {
    const now = this.#now();
    return now < session.expiresAt && now - session.lastSeenAt < this.#config.idleMs && !user.disabled;
  }

  /** Deletes sessions that can no longer be used; run periodically so the table stays small. */
  async sweep(): Promise<number> {
    const now = this.#now();
    return this.#sessions.deleteExpired(now, now - this.#config.idleMs);
  }
}
