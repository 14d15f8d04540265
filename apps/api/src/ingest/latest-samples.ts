import type { ContainerEvent, ContainerInfo, MetricSample } from "@crowsnest/protocol";

/** The newest sample of a container, for listings (host sums, a container's `latest`). */
export interface LatestSampleReader {
  get(hostId: string, containerId: string): MetricSample | null;
}

/** What ingest tells the cache: new samples, and which containers exist or were destroyed. */
export interface LatestSampleWriter {
  update(hostId: string, samples: readonly MetricSample[]): void;
  /** Forgets containers that are gone, so memory follows the inventory. */
  retainOnly(hostId: string, containers: readonly ContainerInfo[]): void;
  applyEvents(hostId: string, events: readonly ContainerEvent[]): void;
}

/**
 * The newest sample of every container, in this process's memory. Routes read it and ingest
 * writes it through the two interfaces above, so that a cache shared by replicas can replace it.
 */
export class LatestSamples implements LatestSampleReader, LatestSampleWriter {
  readonly #byHost = new Map<string, Map<string, MetricSample>>();

  /** Keeps each container's newest sample (by agent time). */
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

  /** Forgets destroyed containers. */
  applyEvents(hostId: string, events: readonly ContainerEvent[]): void {
    for (const event of events) {
      if (event.action === "destroy") this.#byHost.get(hostId)?.delete(event.containerId);
    }
  }

  /** The container's newest sample, or null when none arrived since the server started. */
  get(hostId: string, containerId: string): MetricSample | null {
    return this.#byHost.get(hostId)?.get(containerId) ?? null;
  }
}
