import type { ContainerEvent, ContainerInfo, MetricSample } from "@crowsnest/protocol";
import { SAMPLE_FIELDS } from "../store/metric-chunk.ts";

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

/** Where a container's slot (SAMPLE_FIELDS' order, null as NaN) holds the sample's time. */
const T = SAMPLE_FIELDS.indexOf("t");

/**
 * The newest sample of every container, in this process's memory. Routes read it and ingest
 * writes it through the two interfaces above, so that a cache shared by replicas can replace it.
 * Each container's numbers are copied into a slot of its own (a Float64Array of SAMPLE_FIELDS) rather than
 * its sample kept: a kept sample outlived two scavenges, and with it every batch's newest samples
 * were promoted to the old generation, which then needed a major collection every few tenths of a
 * second at 100,000 samples/s (BENCHMARKS.md figure 3).
 */
export class LatestSamples implements LatestSampleReader, LatestSampleWriter {
  readonly #byHost = new Map<string, Map<string, Float64Array>>();

  /** Keeps each container's newest sample (by `t`, which ingest has put on the server's time line). */
  update(hostId: string, samples: readonly MetricSample[]): void {
    let forHost = this.#byHost.get(hostId);
    if (!forHost) {
      forHost = new Map();
      this.#byHost.set(hostId, forHost);
    }
    for (const sample of samples) {
      let slot = forHost.get(sample.containerId);
      if (slot === undefined) {
        slot = new Float64Array(SAMPLE_FIELDS.length).fill(Number.NEGATIVE_INFINITY);
        forHost.set(sample.containerId, slot);
      } else if ((slot[T] as number) > sample.t) continue;
      for (let i = 0; i < SAMPLE_FIELDS.length; i++)
        slot[i] = sample[SAMPLE_FIELDS[i] as (typeof SAMPLE_FIELDS)[number]] ?? Number.NaN;
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
    const slot = this.#byHost.get(hostId)?.get(containerId);
    if (slot === undefined) return null;
    // Only the nullable fields can hold NaN: the protocol takes finite numbers for the rest.
    const fields = Object.fromEntries(
      SAMPLE_FIELDS.map((f, i) => [f, Number.isNaN(slot[i]) ? null : slot[i]]),
    );
    return { containerId, ...fields } as MetricSample;
  }
}
