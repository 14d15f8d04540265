import type { ContainerEvent, ContainerInfo, MetricSample } from "@crowsnest/protocol";

/** The newest sample of every container, kept in memory for listings (host sums, `latest`). */
export class LatestSamples {
  readonly #byHost = new Map<string, Map<string, MetricSample>>();

  update(hostId: string, samples: readonly MetricSample[]): void {
    let forHost = this.#byHost.get(hostId);
    if (!forHost) {
      forHost = new Map();
      this.#byHost.set(hostId, forHost);
    }
    for (const sample of samples) {
      const known = forHost.get(sample.containerId);
      if (!known || known.t <= sample.t) forHost.set(sample.containerId, sample);
    }
  }

  /** Forgets containers that are gone, so memory follows the inventory. */
  retainOnly(hostId: string, containers: readonly ContainerInfo[]): void {
    const forHost = this.#byHost.get(hostId);
    if (!forHost) return;
    const ids = new Set(containers.map((c) => c.id));
    for (const id of forHost.keys()) if (!ids.has(id)) forHost.delete(id);
  }

  applyEvents(hostId: string, events: readonly ContainerEvent[]): void {
    for (const event of events) {
      if (event.action === "destroy") this.#byHost.get(hostId)?.delete(event.containerId);
    }
  }

  get(hostId: string, containerId: string): MetricSample | null {
    return this.#byHost.get(hostId)?.get(containerId) ?? null;
  }
}
