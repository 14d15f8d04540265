import { randomBytes } from "node:crypto";
import {
  BatchRef,
  Command,
  CommandOutcome,
  ContainerEvent,
  ContainerId,
  ContainerInfo,
  EpochMs,
  GapNotice,
  HostId,
  Incarnation,
  LogDrop,
  LogLagReport,
  LogLine,
  MetricSample,
  Seq,
} from "@crowsnest/protocol";
import type { Msg } from "@nats-io/transport-node";
import type { FastifyBaseLogger } from "fastify";
import { z } from "zod";

// Every message a replica reads from the bus is checked against one of these schemas before it is
// acted on. NATS with credentials is the trust boundary (docs/scale-out.md, "Trust"); these checks
// are the defence behind it: a malformed message is dropped (and a request answered with an error),
// never thrown, so a buggy or hostile publisher cannot crash a handler or leave a caller waiting.

/** A replica id as `newReplicaId` makes it: a NATS subject token, unique per process. */
export const ReplicaId = z.string().regex(/^r[0-9]{1,10}-[0-9a-f]{8}$/, "must be a replica id");

/** A new replica id, `r<pid>-<8 hex>`: a restarted replica is a new member. */
export function newReplicaId(): string {
  return `r${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** A WebSocket close reason: at most 123 bytes of UTF-8 (RFC 6455), or `ws` throws. */
const CloseReason = z.string().refine((s) => Buffer.byteLength(s, "utf8") <= 123, "close reason too long");

/** `cn.v1.agent.<host>.cmd`: a container action for the host's agent (the registry gives it its id). */
export const CommandRequestMessage = Command.omit({ id: true });

/** The holder's answer to a command: the agent's outcome, why there is none, or why the request was refused. */
export const CommandReplyMessage = z.union([
  z.object({ ok: z.literal(true), outcome: CommandOutcome }),
  z.object({ ok: z.literal(false), reason: z.enum(["offline", "timeout"]), message: z.string().max(4_096) }),
  /** The request was malformed, or the holder failed to send it. */
  z.object({ ok: z.literal(false), error: z.string().max(4_096) }),
]);
export type CommandReplyMessage = z.infer<typeof CommandReplyMessage>;

/** A claim's probe is the one-server probe (5 s); anything much longer would only hold the holder up. */
const MAX_CLAIM_PROBE_MS = 30_000;

/** `cn.v1.agent.<host>.claim`: a newer connection of the host arrived on `replica`. */
export const ClaimMessage = z.object({
  replica: ReplicaId,
  incarnation: Incarnation.nullable(),
  probeMs: z.number().int().min(0).max(MAX_CLAIM_PROBE_MS),
});
export type ClaimMessage = z.infer<typeof ClaimMessage>;

/** The holder's answer to a claim: it closed its link (or had none), another live agent keeps it, or the claim was refused. */
export const ClaimAnswerMessage = z.union([
  z.object({ verdict: z.enum(["released", "kept", "none"]) }),
  z.object({ error: z.string().max(4_096) }),
]);
export type ClaimAnswerMessage = z.infer<typeof ClaimAnswerMessage>;

/** `cn.v1.presence.<replica>`: the hosts a replica holds. */
export const PresenceMessage = z.object({
  replica: ReplicaId,
  hosts: z
    .array(
      z.object({
        hostId: HostId,
        /** When the replica attached the host's agent, on its clock (epoch ms). */
        epoch: EpochMs,
        clockOffsetMs: z.number().nullable(),
      }),
    )
    .max(100_000),
  /** The replica is stopping: its hosts are offline now, not at expiry. */
  leaving: z.literal(true).optional(),
});
export type PresenceMessage = z.infer<typeof PresenceMessage>;

/** `cn.v1.bcast.host`: close a host's agent connection (revoked, rotated, deleted) wherever it is held. */
export const HostDisconnectMessage = z.object({
  hostId: HostId,
  /** An application close code (CLOSE_CODES): nothing else is ever sent, and `ws` refuses reserved ones. */
  code: z.number().int().min(4000).max(4999),
  reason: CloseReason,
});
export type HostDisconnectMessage = z.infer<typeof HostDisconnectMessage>;

/** `cn.v1.bcast.user`: close a user's live sockets (one session's when `sessionId` is set). */
export const UserSocketsMessage = z.object({
  userId: z.string().min(1).max(128),
  sessionId: z.string().min(1).max(128).nullable(),
  reason: CloseReason,
});
export type UserSocketsMessage = z.infer<typeof UserSocketsMessage>;

/** `cn.v1.live.<host>.<op>`: one LivePublisher call relayed by the host's holder. A logs frame's `prev` map travels as entries. */
export const LiveRelayMessage = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("hostStatus"),
    hostId: HostId,
    online: z.boolean(),
    lastSeen: EpochMs.nullable(),
  }),
  z.object({ op: z.literal("inventory"), hostId: HostId, containers: z.array(ContainerInfo) }),
  z.object({ op: z.literal("events"), hostId: HostId, events: z.array(ContainerEvent) }),
  z.object({ op: z.literal("metrics"), hostId: HostId, samples: z.array(MetricSample), batch: BatchRef }),
  z.object({
    op: z.literal("logs"),
    hostId: HostId,
    lines: z.array(LogLine),
    drops: z.array(LogDrop),
    batch: BatchRef,
    prev: z.array(z.tuple([ContainerId, Seq])),
  }),
  z.object({ op: z.literal("logLag"), hostId: HostId, report: LogLagReport }),
  z.object({ op: z.literal("agentGap"), hostId: HostId, notice: GapNotice }),
]);
export type LiveRelayMessage = z.infer<typeof LiveRelayMessage>;

/**
 * Reads a bus message as JSON checked by `schema`: the value, or in `why` what is wrong with it
 * (the first problem, at most 200 characters, never the payload itself). Never throws.
 */
export function readBusMessage<S extends z.ZodType>(
  msg: Msg,
  schema: S,
): { ok: true; value: z.output<S> } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(msg.string());
  } catch {
    return { ok: false, why: "not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const why =
    issue === undefined ? "invalid" : `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`;
  return { ok: false, why: why.slice(0, 200) };
}

/** The kinds of bus message a replica reads, as BusRejects counts them. */
export type BusMessageKind =
  | "command"
  | "commandReply"
  | "claim"
  | "claimAnswer"
  | "presence"
  | "hostDisconnect"
  | "userSockets"
  | "live";

/** A dropped kind is logged at most this often (with the count since): a flood must not flood the log. */
const REJECT_LOG_INTERVAL_MS = 60_000;

/**
 * Counts the bus messages a replica dropped as malformed or implausible, by kind (for
 * /api/health/details), and logs them at warn: the first of a kind at once, then at most once per
 * REJECT_LOG_INTERVAL_MS with how many were dropped meanwhile.
 */
export class BusRejects {
  readonly #counts: Record<BusMessageKind, number> = {
    command: 0,
    commandReply: 0,
    claim: 0,
    claimAnswer: 0,
    presence: 0,
    hostDisconnect: 0,
    userSockets: 0,
    live: 0,
  };
  readonly #loggedAt = new Map<BusMessageKind, { at: number; count: number }>();
  readonly #log: FastifyBaseLogger;

  constructor(log: FastifyBaseLogger) {
    this.#log = log;
  }

  /** Counts one dropped message of `kind` on `subject`, `why` saying what was wrong with it. */
  reject(kind: BusMessageKind, subject: string, why: string): void {
    this.#counts[kind]++;
    const now = performance.now();
    const last = this.#loggedAt.get(kind);
    if (last !== undefined && now - last.at < REJECT_LOG_INTERVAL_MS) return;
    const dropped = this.#counts[kind] - (last?.count ?? 0);
    this.#loggedAt.set(kind, { at: now, count: this.#counts[kind] });
    this.#log.warn(
      { kind, subject, why, droppedSinceLastLog: dropped },
      "bus message dropped: malformed or implausible (is NATS reachable by others than the replicas?)",
    );
  }

  /** How many messages of each kind were dropped since start-up. */
  counts(): Record<BusMessageKind, number> {
    return { ...this.#counts };
  }
}
