import type { MetricSample } from "@crowsnest/protocol/agent";
import type { TrackedContainer } from "../inventory/inventory.ts";

/**
 * One way of measuring containers. Both implementations report what `docker stats` would
 * show; a container appears in the result once the collector has two readings of it (CPU %
 * is a rate), and state for containers no longer passed in is dropped.
 */
export interface StatsCollector {
  readonly source: "cgroup" | "api";
  collect(containers: readonly TrackedContainer[]): Promise<MetricSample[]>;
  close(): void;
}
