import type { MetricSample } from "@crowsnest/protocol";
import type { DockerClient } from "../docker/client.ts";
import type { TrackedContainer } from "../inventory/inventory.ts";
import type { Logger } from "../logger.ts";
import type { StatsCollector } from "./collector.ts";
import { EngineStats, engineStatsToSample } from "./engine-stats.ts";

type CpuStats = EngineStats["cpu_stats"];

/**
 * The Engine stats API polled with `stream=false&one-shot=true`: one short request per container
 * per round, nothing held open. One-shot answers carry no `precpu_stats` (the daemon skips its
 * second reading to answer at once), so the CPU rate is computed against this collector's own
 * previous reading of the container instead. Kept for comparison (`--stats-source api-oneshot`); the
 * streaming ApiCollector is the fallback `auto` picks.
 */
export class OneShotCollector implements StatsCollector {
  readonly source = "api";
  readonly #engine: { docker: DockerClient; machineMemory: number; log: Logger };
  readonly #previous = new Map<string, CpuStats>();

  constructor(engine: { docker: DockerClient; machineMemory: number; log: Logger }) {
    this.#engine = engine;
  }

  async collect(containers: readonly TrackedContainer[]): Promise<MetricSample[]> {
    const wanted = new Set(containers.map((c) => c.info.id));
    for (const id of this.#previous.keys()) if (!wanted.has(id)) this.#previous.delete(id);
    const samples = await Promise.all([...wanted].map((id) => this.#sample(id)));
    return samples.filter((s): s is MetricSample => s !== null);
  }

  close(): void {
    this.#previous.clear();
  }

  async #sample(id: string): Promise<MetricSample | null> {
    let stats: EngineStats;
    try {
      stats = EngineStats.parse(
        await this.#engine.docker.json(`/containers/${id}/stats`, { stream: false, "one-shot": true }),
      );
    } catch (err) {
      // A container that stopped since the inventory said "running" answers with an error.
      this.#engine.log.debug("one-shot stats failed", { containerId: id, err: err as Error });
      this.#previous.delete(id);
      return null;
    }
    const previous = this.#previous.get(id);
    this.#previous.set(id, stats.cpu_stats);
    if (previous === undefined) return null;
    return engineStatsToSample(id, { ...stats, precpu_stats: previous }, this.#engine.machineMemory);
  }
}
