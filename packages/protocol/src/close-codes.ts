/**
 * WebSocket close codes the server uses on /ws/agent and /ws/live (4000-4999 is the
 * range RFC 6455 leaves to applications), so that a peer can tell "retry" from "stop".
 */
export const CLOSE_CODES = {
  /** The agent's protocol version is not the server's: retrying will not help. */
  unsupportedVersion: 4000,
  /** A newer connection for the same host took over. */
  replaced: 4001,
  /** The credential or session was revoked or expired while connected. */
  revoked: 4003,
  /** An admin rotated the host's credential: reconnect now with the current one to receive its successor. */
  credentialRotation: 4004,
  /**
   * Another agent with another incarnation is live on this host's credential (a cloned VM or a
   * copied state directory): the newcomer is refused, the host shows the conflict, and retrying
   * gets in only once the other agent is gone.
   */
  duplicateAgent: 4005,
  /** The peer did not follow the protocol (for example, no hello first). */
  protocolViolation: 4002,
  /** A browser socket stayed above its send buffer limit for too long. */
  tooSlow: 4008,
  /** The server is shutting down; reconnect later. */
  shuttingDown: 1001,
} as const;
