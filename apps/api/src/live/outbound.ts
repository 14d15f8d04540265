import type { MetricSample } from "@crowsnest/protocol";

/**
 * A message for browsers, serialized once by the hub and shared by every socket it goes to.
 * The kind tells a congested socket what it may do instead of sending it: metrics coalesce
 * to the latest sample per container, log lines become a counted gap, the rest is queued.
 */
export type Outbound =
  | { kind: "metrics"; data: string; hostId: string; samples: readonly MetricSample[] }
  | { kind: "logs"; data: string; hostId: string; containerId: string; lineCount: number }
  | { kind: "other"; data: string };
