import type { MetricSample } from "@crowsnest/protocol/agent";
import type { EngineContainerReads } from "../docker/engine.ts";
import type { TrackedContainer } from "../inventory/inventory.ts";
import type { Logger } from "../logger.ts";
import type { StatsCollector } from "./collector.ts";
import { engineStatsToSample } from "./engine-stats.ts";
import { withoutHostNetwork } from "./host-network.ts";

interface Stream {
  controller: AbortController;
  latest: MetricSample | null;
}

/**
 * The Engine stats API, one `stream=true` connection per running container, as `docker stats`
 * does. Streaming (rather than `one-shot`, buggy before Engine 25, or `stream=false`, which
 * waits a second per call) gives a new object every second with its previous reading attached
 * as `precpu_stats`; collect() reports the newest one of each container.
 */
export class ApiCollector implements StatsCollector {
  readonly source = "api";
  readonly #engine: Pick<EngineContainerReads, "stats">;
  readonly #machineMemory: number;
  readonly #log: Logger;
  readonly #streams = new Map<string, Stream>();

  constructor(engine: Pick<EngineContainerReads, "stats">, machineMemory: number, log: Logger) {
    this.#engine = engine;
    this.#machineMemory = machineMemory;
    this.#log = log;
  }

  async collect(containers: readonly TrackedContainer[]): Promise<MetricSample[]> {
    const wanted = new Set(containers.map((c) => c.info.id));
    for (const [id, stream] of this.#streams) {
      if (wanted.has(id)) continue;
      stream.controller.abort();
      this.#streams.delete(id);
    }
    const samples: MetricSample[] = [];
    for (const id of wanted) {
      const stream = this.#streams.get(id);
      if (stream === undefined) this.#open(id);
      else if (stream.latest !== null) {
        samples.push(stream.latest);
        stream.latest = null; // each reading is reported once
      }
    }
    return withoutHostNetwork(samples, containers);
  }

  close(): void {
    for (const stream of this.#streams.values()) stream.controller.abort();
    this.#streams.clear();
  }

  #open(id: string): void {
    const stream: Stream = { controller: new AbortController(), latest: null };
    this.#streams.set(id, stream);
    this.#consume(id, stream).then(
      () => this.#closed(id, stream, null),
      (err: unknown) => this.#closed(id, stream, err as Error),
    );
  }

  async #consume(id: string, stream: Stream): Promise<void> {
    const { signal } = stream.controller;
    for await (const stats of await this.#engine.stats(id, signal)) {
      stream.latest = engineStatsToSample(id, stats, this.#machineMemory) ?? stream.latest;
    }
  }

  /** The stream ends when the container stops; the next collect() reopens it if it runs again. */
  #closed(id: string, stream: Stream, err: Error | null): void {
    if (this.#streams.get(id) === stream) this.#streams.delete(id);
    if (err !== null && !stream.controller.signal.aborted) {
      this.#log.warn("stats stream failed", { containerId: id, err });
    }
  }
}
