import type { ContainerInfo, ContainerView, Host, LiveMessage } from "@crowsnest/protocol";
import { isProtected } from "@crowsnest/protocol";

/** Applies a live message to a host list (online state, last seen). */
export function applyLiveToHosts(hosts: Host[], m: LiveMessage): Host[] {
  if (m.type !== "host_status") return hosts;
  return hosts.map((h) => (h.id === m.hostId ? { ...h, online: m.online, lastSeen: m.lastSeen } : h));
}

function view(hostId: string, info: ContainerInfo, prev: ContainerView | undefined): ContainerView {
  return { ...info, hostId, protected: isProtected(info.labels), latest: prev?.latest ?? null };
}

/** Applies a live message to a container list: inventory snapshots, events and latest samples. */
export function applyLiveToContainers(list: ContainerView[], m: LiveMessage): ContainerView[] {
  switch (m.type) {
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
        if (!s || (c.latest && c.latest.t >= s.t)) return c;
        changed = true;
        return { ...c, latest: s };
      });
      return changed ? out : list;
    }
    default:
      return list;
  }
}
