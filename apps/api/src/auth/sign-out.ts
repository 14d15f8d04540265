import type { SessionManager } from "./sessions.ts";

/** The live hub's part in signing a user out: it closes that user's open /ws/live sockets. */
export interface UserSocketCloser {
  closeUser(userId: string, reason: string): void;
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
