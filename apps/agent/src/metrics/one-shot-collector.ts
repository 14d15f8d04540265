import type { MetricSample } from "@crowsnest/protocol/agent";
import type { EngineStats } from "../docker/answers.ts";
import type { EngineContainerReads } from "../docker/engine.ts";
import type { TrackedContainer } from "../inventory/inventory.ts";
import type { Logger } from "../logger.ts";
import type { StatsCollector } from "./collector.ts";
import { engineStatsToSample } from "./engine-stats.ts";
import { withoutHostNetwork } from "./host-network.ts";

type CpuStats = EngineStats["cpu_stats"];

/** What the collector reads from: the Engine's one-shot stats, and the host's memory for unlimited containers. */
export interface OneShotOptions {
  engine: Pick<EngineContainerReads, "statsOnce">;
  /** Bytes. */
  machineMemory: number;
  log: Logger;
}

/**
 * The Engine stats API polled with one-shot requests (`statsOnce`, which also copes with the
 * pre-25 one-shot bug): one short request per container per round, nothing held open. One-shot
 * answers carry no `precpu_stats` (the daemon skips its second reading to answer at once), so
 * the CPU rate is computed against this collector's own previous reading of the container
 * instead. Kept for comparison (`--stats-source api-oneshot`); the streaming ApiCollector is the
 * fallback `auto` picks.
 */
export class OneShotCollector implements StatsCollector {
  readonly source = "api";
  readonly #options: OneShotOptions;
  readonly #previous = new Map<string, CpuStats>();

  constructor(options: OneShotOptions) {
    this.#options = options;
  }

  async collect(containers: readonly TrackedContainer[]): Promise<MetricSample[]> {
    const wanted = new Set(containers.map((c) => c.info.id));
    for (const id of this.#previous.keys()) if (!wanted.has(id)) this.#previous.delete(id);
    const readings = await this.#options.engine.statsOnce([...wanted]);
    const samples: MetricSample[] = [];
    for (const [id, stats] of readings) {
      const sample = this.#sample(id, stats);
      if (sample !== null) samples.push(sample);
    }
    return withoutHostNetwork(samples, containers);
  }

  close(): void {
    this.#previous.clear();
  }

  #sample(id: string, stats: EngineStats | Error): MetricSample | null {
    if (stats instanceof Error) {
      // A container that stopped since the inventory said "running" answers with an error.
      this.#options.log.debug("one-shot stats failed", { containerId: id, err: stats });
      this.#previous.delete(id);
      return null;
    }
    const previous = this.#previous.get(id);
    this.#previous.set(id, stats.cpu_stats);
    if (previous === undefined) return null;
    return engineStatsToSample(id, { ...stats, precpu_stats: previous }, this.#options.machineMemory);
  }
}
