/**
 * The NATS subjects of a Crowsnest cluster, under one versioned prefix (docs/scale-out.md, "What
 * travels on NATS"; subject syntax: https://docs.nats.io/nats-concepts/subjects). The prefix is
 * fixed, so a NATS server or account serves one cluster (docs/scale-out.md, "Trust").
 * Host ids are valid subject tokens by their schema (HostId: A-Z a-z 0-9 _ -).
 */
const PREFIX = "cn.v1";

export const SUBJECTS = {
  /** What the replica holding a host's agent relays to every replica's browsers: `<host>.<op>`. */
  live: (hostId: string, op: string) => `${PREFIX}.live.${hostId}.${op}`,
  /** Every host's live traffic: each replica keeps its latest samples from it and feeds its hub. */
  liveAll: `${PREFIX}.live.>`,
  /**
   * Request/reply to the replica holding a host's agent; only that replica subscribes: a command,
   * a claim of the host by a newer connection, or "answer once what you relayed is stored".
   */
  agent: (hostId: string, what: "cmd" | "claim" | "settled") => `${PREFIX}.agent.${hostId}.${what}`,
  /** Everything addressed to a held host's replica. */
  agentAll: (hostId: string) => `${PREFIX}.agent.${hostId}.*`,
  /** A replica's held hosts, as a snapshot: periodically, on every change, and empty when it stops. */
  presence: (replicaId: string) => `${PREFIX}.presence.${replicaId}`,
  presenceAll: `${PREFIX}.presence.*`,
  /** Close a user's live sockets (sign-out, account change) on every replica. */
  userSockets: `${PREFIX}.bcast.user`,
  /** Close a host's agent connection (revoked, rotated, deleted) wherever it is held. */
  hostAgent: `${PREFIX}.bcast.host`,
} as const;

/** The host and op of a live subject (`cn.v1.live.<host>.<op>`); null for a subject of another shape. */
export function parseLiveSubject(subject: string): { hostId: string; op: string } | null {
  const parts = subject.split(".");
  const [hostId, op] = [parts[3], parts[4]];
  return parts.length === 5 && hostId !== undefined && op !== undefined ? { hostId, op } : null;
}
