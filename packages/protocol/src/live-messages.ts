import { z } from "zod";
import { ProtocolError } from "./agent-messages.ts";
import { ContainerEvent, ContainerInfo } from "./container.ts";
import { ContainerId, EpochMs, HostId } from "./ids.ts";
import { LIMITS } from "./limits.ts";
import { LogLine, MetricSample } from "./telemetry.ts";

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
});
export type LiveMetrics = z.infer<typeof LiveMetrics>;

export const LiveLogs = z.object({
  type: z.literal("logs"),
  hostId: HostId,
  containerId: ContainerId,
  lines: z.array(LogLine).max(LIMITS.logLinesPerBatch),
});
export type LiveLogs = z.infer<typeof LiveLogs>;

export const GapReason = z.enum(["slow_consumer", "rate_limit", "agent_outbox"]);
export type GapReason = z.infer<typeof GapReason>;

/** Log lines this browser will not see, and why. */
export const LiveGap = z.object({
  type: z.literal("gap"),
  hostId: HostId,
  containerId: ContainerId.nullable(),
  droppedLines: z.number().int().nonnegative(),
  reason: GapReason,
});
export type LiveGap = z.infer<typeof LiveGap>;

export const LiveMessage = z.discriminatedUnion("type", [
  Subscribed,
  LiveHostStatus,
  LiveInventory,
  LiveEvent,
  LiveMetrics,
  LiveLogs,
  LiveGap,
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
  error: ProtocolError,
} as const;
