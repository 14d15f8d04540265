import type { MetricSample } from "@crowsnest/protocol/agent";
import type { TrackedContainer } from "../inventory/inventory.ts";
import type { Logger } from "../logger.ts";
import type { StatsCollector } from "./collector.ts";

/** Every interval, measures the running and paused containers and hands the samples on. */
export class Sampler {
  readonly #collector: StatsCollector;
  readonly #running: () => TrackedContainer[];
  readonly #deliver: (samples: MetricSample[]) => void;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;

  constructor(
    collector: StatsCollector,
    running: () => TrackedContainer[],
    deliver: (samples: MetricSample[]) => void,
    log: Logger,
  ) {
    this.#collector = collector;
    this.#running = running;
    this.#deliver = deliver;
    this.#log = log;
  }

  start(intervalSeconds: number): void {
    this.#timer = setInterval(() => void this.#tick(), intervalSeconds * 1000);
    void this.#tick();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#collector.close();
  }

  async #tick(): Promise<void> {
    // A slow round (a busy disk, a slow dockerd) is not stacked on by the next one.
    if (this.#busy) return;
    this.#busy = true;
    try {
      const samples = await this.#collector.collect(this.#running());
      if (samples.length > 0) this.#deliver(samples);
    } catch (err) {
      this.#log.warn("metrics round failed", { source: this.#collector.source, err: err as Error });
    } finally {
      this.#busy = false;
    }
  }
}
