import type { Principal } from "./principal.ts";
import type { SessionManager } from "./sessions.ts";

/** The live hub's part in signing a user out: it closes that user's open /ws/live sockets. */
export interface UserSocketCloser {
  closeUser(userId: string, reason: string): void;
  /** Closes the user's sockets opened under one session (a Principal's `sessionId`): a logout in one browser. */
  closeSession(userId: string, sessionId: string, reason: string): void;
}

/** Ends one session and closes the live sockets opened under it; the user's other sessions stay. */
export async function signOutSession(
  sessions: SessionManager,
  sockets: UserSocketCloser,
  principal: Principal,
  reason: string,
): Promise<void> {
  await sessions.endSession(principal.sessionId);
  sockets.closeSession(principal.userId, principal.sessionId, reason);
}

/**
 * Ends every session of a user and closes their live sockets: after a role change, a password
 * change or disabling, nothing opened under the old state may keep working.
 */
export async function signOutEverywhere(
  sessions: SessionManager,
  sockets: UserSocketCloser,
  userId: string,
  reason: string,
): Promise<void> {
  await sessions.endAllFor(userId);
  sockets.closeUser(userId, reason);
}
