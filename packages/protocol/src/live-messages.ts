import { z } from "zod";
import { ProtocolError } from "./agent-messages.ts";
import { ContainerEvent, ContainerInfo } from "./container.ts";
import { ContainerId, EpochMs, HostId } from "./ids.ts";
import { LIMITS } from "./limits.ts";
import { BatchRef } from "./live-order.ts";
import { LogLag, LogLine, MetricSample } from "./telemetry.ts";

/**
 * What a browser can watch: the whole fleet (host status and per-container summary metrics),
 * one host (its inventory, events and summary metrics) or one container (metrics, logs, events).
 */
export const Topic = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("fleet") }).strict(),
  z.object({ kind: z.literal("host"), hostId: HostId }).strict(),
  z.object({ kind: z.literal("container"), hostId: HostId, containerId: ContainerId }).strict(),
]);
export type Topic = z.infer<typeof Topic>;

// ---- browser -> server -----------------------------------------------------

export const Subscribe = z.object({ type: z.literal("subscribe"), topic: Topic }).strict();
export type Subscribe = z.infer<typeof Subscribe>;

export const Unsubscribe = z.object({ type: z.literal("unsubscribe"), topic: Topic }).strict();
export type Unsubscribe = z.infer<typeof Unsubscribe>;

export const BrowserMessage = z.discriminatedUnion("type", [Subscribe, Unsubscribe]);
export type BrowserMessage = z.infer<typeof BrowserMessage>;

export const BROWSER_MESSAGES = { subscribe: Subscribe, unsubscribe: Unsubscribe } as const;

// ---- server -> browser -----------------------------------------------------

export const Subscribed = z.object({ type: z.literal("subscribed"), topic: Topic });
export type Subscribed = z.infer<typeof Subscribed>;

export const LiveHostStatus = z.object({
  type: z.literal("host_status"),
  hostId: HostId,
  online: z.boolean(),
  lastSeen: EpochMs.nullable(),
});
export type LiveHostStatus = z.infer<typeof LiveHostStatus>;

export const LiveInventory = z.object({
  type: z.literal("inventory"),
  hostId: HostId,
  containers: z.array(ContainerInfo).max(LIMITS.containersPerHost),
});
export type LiveInventory = z.infer<typeof LiveInventory>;

export const LiveEvent = z.object({ type: z.literal("event"), hostId: HostId, event: ContainerEvent });
export type LiveEvent = z.infer<typeof LiveEvent>;

export const LiveMetrics = z.object({
  type: z.literal("metrics"),
  hostId: HostId,
  samples: z.array(MetricSample).max(LIMITS.metricSamplesPerBatch),
  /** The batch relayed (see LiveOrder); absent on the latest samples a congested socket is sent instead. */
  batch: BatchRef.optional(),
});
export type LiveMetrics = z.infer<typeof LiveMetrics>;

export const LiveLogs = z.object({
  type: z.literal("logs"),
  hostId: HostId,
  containerId: ContainerId,
  lines: z.array(LogLine).max(LIMITS.logLinesPerBatch),
  /** The batch relayed (see LiveOrder). */
  batch: BatchRef,
  /** The seq of the previous batch of the same agent run with lines of this container; null: not known to the relaying server. */
  prev: z.number().int().positive().nullable(),
});
export type LiveLogs = z.infer<typeof LiveLogs>;

/**
 * `rotated`: Docker rotated the lines out of its log file before the agent read them (see LogDrop);
 * `missed_frames`: the browser saw the live sequence jump (see LiveOrder), never sent by the server.
 */
export const GapReason = z.enum(["slow_consumer", "rate_limit", "agent_outbox", "rotated", "missed_frames"]);
export type GapReason = z.infer<typeof GapReason>;

/** Log lines this browser will not see, and why. */
export const LiveGap = z.object({
  type: z.literal("gap"),
  hostId: HostId,
  containerId: ContainerId.nullable(),
  /** null: unknown (lines `rotated` away: Docker does not say how many). */
  droppedLines: z.number().int().nonnegative().nullable(),
  reason: GapReason,
});
export type LiveGap = z.infer<typeof LiveGap>;

/** A container's logs are read behind its writing (see LogLag): `behindMs` as of the agent's `time`. */
export const LiveLogLag = z.object({
  type: z.literal("log_lag"),
  hostId: HostId,
  time: EpochMs,
  lag: LogLag,
});
export type LiveLogLag = z.infer<typeof LiveLogLag>;

export const LiveMessage = z.discriminatedUnion("type", [
  Subscribed,
  LiveHostStatus,
  LiveInventory,
  LiveEvent,
  LiveMetrics,
  LiveLogs,
  LiveGap,
  LiveLogLag,
  ProtocolError,
]);
export type LiveMessage = z.infer<typeof LiveMessage>;

export const LIVE_MESSAGES = {
  subscribed: Subscribed,
  host_status: LiveHostStatus,
  inventory: LiveInventory,
  event: LiveEvent,
  metrics: LiveMetrics,
  logs: LiveLogs,
  gap: LiveGap,
  log_lag: LiveLogLag,
  error: ProtocolError,
} as const;
