import {
  type ContainerInfo,
  ContainerState,
  type ContainerView,
  type Host,
  isProtected,
  type LiveMessage,
  type MetricSample,
} from "@crowsnest/protocol";

/**
 * Applies a live message to a host list: its online state (an offline host's figures are stale),
 * and its last-seen time, which the server announces only when the agent connects or leaves but
 * which anything relayed from the agent (samples, events, logs, inventory) brings up to `now`, the
 * moment it arrived (epoch ms; taken by the caller, so that applied again it gives the same).
 */
export function applyLiveToHosts(hosts: Host[], m: LiveMessage, now: number): Host[] {
  if (m.type === "host_status") {
    return hosts.map((h) =>
      h.id === m.hostId ? { ...h, online: m.online, lastSeen: m.lastSeen, figuresStale: !m.online } : h,
    );
  }
  if (m.type !== "metrics" && m.type !== "event" && m.type !== "logs" && m.type !== "inventory") return hosts;
  return hosts.map((h) => (h.id === m.hostId ? { ...h, lastSeen: Math.max(h.lastSeen ?? 0, now) } : h));
}

/**
 * A host's container counts and usage recomputed from the live container list, the way the
 * server sums them, so that they follow events and samples rather than the page's first load.
 */
export function withLiveTotals(host: Host, containers: readonly ContainerView[]): Host {
  const counts = Object.fromEntries(ContainerState.options.map((s) => [s, 0])) as Host["containerCounts"];
  let cpuPercent = 0;
  let memUsedBytes = 0;
  let figuresAt: number | null = null;
  for (const c of containers) {
    if (c.hostId !== host.id) continue;
    counts[c.state] = (counts[c.state] ?? 0) + 1;
    if (c.state === "running" && c.latest) {
      cpuPercent += c.latest.cpuPercent;
      memUsedBytes += c.latest.memUsedBytes;
      figuresAt = Math.max(figuresAt ?? 0, c.latest.t);
    }
  }
  return { ...host, containerCounts: counts, cpuPercent, memUsedBytes, figuresAt };
}

function view(hostId: string, info: ContainerInfo, prev: ContainerView | undefined): ContainerView {
  return {
    ...info,
    hostId,
    protected: isProtected(info.labels),
    latest: prev?.latest ?? null,
    latestStale: prev?.latestStale ?? false,
    removedAt: null,
  };
}

/**
 * Applies a live message to a container list: inventory snapshots, events, latest samples, and
 * the host's status (while its agent is offline, its containers' latest samples are stale).
 */
export function applyLiveToContainers(list: ContainerView[], m: LiveMessage): ContainerView[] {
  switch (m.type) {
    case "host_status":
      return list.map((c) => (c.hostId === m.hostId ? { ...c, latestStale: !m.online } : c));
    case "inventory": {
      const prev = new Map(list.filter((c) => c.hostId === m.hostId).map((c) => [c.id, c]));
      const others = list.filter((c) => c.hostId !== m.hostId);
      return [...others, ...m.containers.map((c) => view(m.hostId, c, prev.get(c.id)))];
    }
    case "event": {
      const { event } = m;
      const i = list.findIndex((c) => c.hostId === m.hostId && c.id === event.containerId);
      if (event.action === "destroy" || event.container === null) {
        return i === -1 ? list : list.filter((_, j) => j !== i);
      }
      const next = view(m.hostId, event.container, list[i]);
      if (i === -1) return [...list, next];
      const copy = list.slice();
      copy[i] = next;
      return copy;
    }
    case "metrics": {
      const bySample = new Map(m.samples.map((s) => [s.containerId, s]));
      let changed = false;
      const out = list.map((c) => {
        const s = c.hostId === m.hostId ? bySample.get(c.id) : undefined;
        const next = s ? withSample(c, s) : c;
        changed ||= next !== c;
        return next;
      });
      return changed ? out : list;
    }
    default:
      return list;
  }
}

/**
 * A container with a live sample as its latest, unless the one it has is as new or newer: applied
 * again to a later read (LiveResync), an older sample does not take back that read's.
 */
export function withSample(c: ContainerView, sample: MetricSample): ContainerView {
  return c.latest !== null && c.latest.t >= sample.t ? c : { ...c, latest: sample };
}
