import { z } from "zod";
import { Command, CommandOutcome } from "./commands.ts";
import { ReceivedContainerEvent, readContainerList, readEventList } from "./container-metadata.ts";
import { HostInfo } from "./host.ts";
import { EpochMs, HostId } from "./ids.ts";
import { LIMITS } from "./limits.ts";
import {
  LogDrop,
  LogLag,
  LogLine,
  MetricColumns,
  MetricSample,
  metricColumns,
  samplesOfColumns,
} from "./telemetry.ts";

/** Batch sequence numbers start at 1 and only grow for the lifetime of an agent's state directory. */
export const Seq = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export type Seq = z.infer<typeof Seq>;

/**
 * Added in protocol 1 (optional, so older agents still agree): one run of an agent process on its
 * state directory, a random id (16 random bytes, base64url) made at every start. Each sequenced
 * batch carries the incarnation that cut it (a batch resent from disk keeps its own), so a batch's
 * identity (host, incarnation, seq) cannot collide across a reset, a restored backup or a clone of
 * the state directory; `hello` carries the current one, which tells two live agents on one
 * credential apart.
 */
export const Incarnation = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "must be 16-64 of A-Z a-z 0-9 _ -");
export type Incarnation = z.infer<typeof Incarnation>;

// ---- agent -> server -------------------------------------------------------

export const Hello = z.object({
  type: z.literal("hello"),
  protocolVersion: z.number().int().positive(),
  /** Printable text (no control characters: a NUL cannot be stored in PostgreSQL text). */
  agentVersion: z
    .string()
    .max(64)
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters"),
  host: HostInfo,
  /** Added in protocol 1: this run's incarnation; absent from older agents. */
  incarnation: Incarnation.optional(),
  /**
   * Added in protocol 1: the agent's wall clock when it sent hello, ms since the epoch; absent from
   * older agents. The server's first, rough reading of the agent's clock offset (off by the one-way
   * delay), used until a heartbeat clock probe (see `clockProbe`) measures it.
   */
  time: EpochMs.optional(),
});
export type Hello = z.infer<typeof Hello>;

/**
 * The full container list, sent after every (re)connect; it replaces what the server knew. Each
 * container is read on its own (`readContainerList`): one past a size limit is cut and noted, one
 * that cannot be read at all is left out and listed in `refused`, never failing the whole list.
 */
export const InventorySnapshot = z
  .object({
    type: z.literal("inventory"),
    time: EpochMs,
    containers: z.array(z.unknown()).max(LIMITS.containersPerHost),
  })
  .transform(readContainerList);
export type InventorySnapshot = z.infer<typeof InventorySnapshot>;

/** Container events; each event's container is read on its own, as in InventorySnapshot (`readEventList`). */
export const EventsBatch = z
  .object({
    type: z.literal("events"),
    seq: Seq,
    /** Added in protocol 1: the incarnation that cut this batch; absent from older agents. */
    incarnation: Incarnation.optional(),
    events: z.array(ReceivedContainerEvent).max(LIMITS.eventsPerBatch),
  })
  .transform(readEventList);
export type EventsBatch = z.infer<typeof EventsBatch>;

export const MetricsBatch = z.object({
  type: z.literal("metrics"),
  seq: Seq,
  /** Added in protocol 1: the incarnation that cut this batch; absent from older agents. */
  incarnation: Incarnation.optional(),
  samples: z.array(MetricSample).max(LIMITS.metricSamplesPerBatch),
});
export type MetricsBatch = z.infer<typeof MetricsBatch>;

/**
 * Added in protocol 1: a MetricsBatch as it travels to a server that takes columns
 * (Welcome.metricsColumns); the same batch to the server once read (`metricsBatchOf`): a resend
 * of it in either form is a duplicate.
 */
export const MetricsColumnsBatch = z.object({
  type: z.literal("metrics_columns"),
  seq: Seq,
  incarnation: Incarnation.optional(),
  columns: MetricColumns,
});
export type MetricsColumnsBatch = z.infer<typeof MetricsColumnsBatch>;

/** A metrics batch in either wire form as the MetricsBatch it carries. */
export function metricsBatchOf(message: MetricsBatch | MetricsColumnsBatch): MetricsBatch {
  if (message.type === "metrics") return message;
  const { columns, ...rest } = message;
  return { ...rest, type: "metrics", samples: samplesOfColumns(columns) };
}

/** A MetricsBatch as columns (`metricsBatchOf` reads it back). */
export function metricsColumnsBatchOf(batch: MetricsBatch): MetricsColumnsBatch {
  const { samples, ...rest } = batch;
  return { ...rest, type: "metrics_columns", columns: metricColumns(samples) };
}

export const LogsBatch = z.object({
  type: z.literal("logs"),
  seq: Seq,
  /** Added in protocol 1: the incarnation that cut this batch; absent from older agents. */
  incarnation: Incarnation.optional(),
  lines: z.array(LogLine).max(LIMITS.logLinesPerBatch),
  /** Lines known lost since the previous batch (rotated out of Docker's log before they were read). */
  drops: z.array(LogDrop).max(LIMITS.containersPerHost),
});
export type LogsBatch = z.infer<typeof LogsBatch>;

/**
 * Added in protocol 1: how far behind the agent reads the logs of containers that write faster
 * than its per-container rate. Live status, not stored: sent as measured (about once a second per
 * lagging container, and once with 0 when it caught up), outside the outbox, and lost when offline.
 */
export const LogLagReport = z.object({
  type: z.literal("log_lag"),
  /** The agent's clock when measured, ms since the epoch. */
  time: EpochMs,
  lags: z.array(LogLag).min(1).max(LIMITS.containersPerHost),
});
export type LogLagReport = z.infer<typeof LogLagReport>;

/** The outbox overflowed its byte budget and dropped its oldest batches; this says how much is gone. */
export const GapNotice = z.object({
  type: z.literal("gap"),
  seq: Seq,
  /** Added in protocol 1: the incarnation that cut this batch; absent from older agents. */
  incarnation: Incarnation.optional(),
  droppedBatches: z.number().int().positive(),
  droppedSamples: z.number().int().nonnegative(),
  droppedLines: z.number().int().nonnegative(),
  droppedEvents: z.number().int().nonnegative(),
  from: EpochMs,
  to: EpochMs,
});
export type GapNotice = z.infer<typeof GapNotice>;

export const CommandResult = z.object({
  type: z.literal("command_result"),
  commandId: z.uuid(),
  outcome: CommandOutcome,
});
export type CommandResult = z.infer<typeof CommandResult>;

export const AgentMessage = z.discriminatedUnion("type", [
  Hello,
  InventorySnapshot,
  EventsBatch,
  MetricsBatch,
  MetricsColumnsBatch,
  LogsBatch,
  GapNotice,
  CommandResult,
  LogLagReport,
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

/** Agent messages that travel through the outbox and are acknowledged by sequence number. */
export type SequencedAgentMessage = EventsBatch | MetricsBatch | LogsBatch | GapNotice;

export const AGENT_MESSAGES = {
  hello: Hello,
  inventory: InventorySnapshot,
  events: EventsBatch,
  metrics: MetricsBatch,
  metrics_columns: MetricsColumnsBatch,
  logs: LogsBatch,
  gap: GapNotice,
  command_result: CommandResult,
  log_lag: LogLagReport,
} as const;

// ---- heartbeat clock probes (both ways) -------------------------------------

/**
 * Added in protocol 1: the server measures each agent's clock offset on its heartbeat pings, as NTP
 * does (RFC 5905, section 8), with the server in the client's role. The server's ping carries
 * `clockProbe(t1)`, t1 being its clock when it sent the ping; the agent answers at once with a pong
 * carrying `answerClockProbe(ping, t2)`, t2 being its clock when it answered (its receive and send
 * times are one reading: t2 = t3); the server reads that pong with `readClockAnswer` at t4. An agent
 * from before answers with ws's automatic pong, which echoes the ping unchanged: no agent time in
 * it, so no measurement, and the server keeps placing that agent's data at the agent's own times.
 * Times are integral ms since the epoch, in ASCII; the frames stay far below the 125-byte limit
 * of a control frame.
 */
const CLOCK_PROBE = /^clock1 (\d{1,16})$/;
const CLOCK_ANSWER = /^clock1 (\d{1,16}) (\d{1,16})$/;

/** The payload of a server's heartbeat ping that asks for the agent's clock; `serverMs` is t1. */
export function clockProbe(serverMs: number): string {
  return `clock1 ${Math.round(serverMs)}`;
}

/**
 * The payload of the agent's pong to a ping: the probe followed by the agent's clock `agentMs` (t2 =
 * t3) when the ping is a clock probe, else the ping's payload unchanged (as a pong must echo it).
 */
export function answerClockProbe(ping: Buffer, agentMs: number): Buffer {
  const probe = CLOCK_PROBE.exec(ping.toString("latin1"));
  if (probe === null) return ping;
  return Buffer.from(`clock1 ${probe[1]} ${Math.round(agentMs)}`, "latin1");
}

/** What an agent's pong answered to a clock probe: the server's t1 it echoes and the agent's t2 = t3; null for any other pong. */
export function readClockAnswer(pong: Buffer): { serverSentMs: number; agentMs: number } | null {
  const answer = CLOCK_ANSWER.exec(pong.toString("latin1"));
  if (answer === null) return null;
  return { serverSentMs: Number(answer[1]), agentMs: Number(answer[2]) };
}

// ---- server -> agent -------------------------------------------------------

export const Welcome = z.object({
  type: z.literal("welcome"),
  protocolVersion: z.number().int().positive(),
  hostId: HostId,
  /** Present once, when the agent connected with an enrolment token: the long-lived credential to keep. */
  credential: z.string().min(32).max(256).nullable(),
  /**
   * Added in protocol 1 (optional, so older agents and servers still agree): the highest sequence
   * number the server has stored for this host, or null. An agent continues numbering above it, so
   * that even a server that deduplicates on (host, seq) alone (one older than `incarnation`) does
   * not take a reset agent's new batches for resends.
   */
  lastStoredSeq: Seq.nullable().optional(),
  /**
   * Added in protocol 1 (optional: absent from older servers, which take rows alone): true when
   * the server takes metrics batches as columns (MetricsColumnsBatch), which an agent then sends.
   */
  metricsColumns: z.boolean().optional(),
});
export type Welcome = z.infer<typeof Welcome>;

/** The batch with this sequence number is stored; the agent may forget it. */
export const Ack = z.object({ type: z.literal("ack"), seq: Seq });
export type Ack = z.infer<typeof Ack>;

export const CommandMessage = z.object({ type: z.literal("command"), command: Command });
export type CommandMessage = z.infer<typeof CommandMessage>;

export const ProtocolErrorCode = z.enum([
  "bad_frame",
  "unsupported_version",
  "not_allowed",
  "internal",
  "rate_limited",
]);
export type ProtocolErrorCode = z.infer<typeof ProtocolErrorCode>;

export const ProtocolError = z.object({
  type: z.literal("error"),
  code: ProtocolErrorCode,
  message: z.string().max(4_096),
});
export type ProtocolError = z.infer<typeof ProtocolError>;

export const ServerToAgentMessage = z.discriminatedUnion("type", [
  Welcome,
  Ack,
  CommandMessage,
  ProtocolError,
]);
export type ServerToAgentMessage = z.infer<typeof ServerToAgentMessage>;

export const SERVER_TO_AGENT_MESSAGES = {
  welcome: Welcome,
  ack: Ack,
  command: CommandMessage,
  error: ProtocolError,
} as const;
