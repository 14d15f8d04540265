import type { MetricSample } from "@crowsnest/protocol/agent";
import type { TrackedContainer } from "../inventory/inventory.ts";

/**
 * The samples with null network counters for the containers on the host's network: the Engine's
 * stats of such a container list no interfaces of their own, and the host's traffic is not the
 * container's (`docker stats` shows 0 B; see MetricSample.netRxBytes).
 */
export function withoutHostNetwork(
  samples: MetricSample[],
  containers: readonly TrackedContainer[],
): MetricSample[] {
  const host = new Set(containers.filter((c) => c.hostNetwork).map((c) => c.info.id));
  if (host.size === 0) return samples;
  return samples.map((s) => (host.has(s.containerId) ? { ...s, netRxBytes: null, netTxBytes: null } : s));
}
