import type { MetricSample } from "@crowsnest/protocol";

export interface Spark {
  cpu: number[];
  mem: number[];
}

/** The last `size` live CPU and memory values of each container, for sparklines. */
export class SparkHistory {
  readonly #size: number;
  readonly #byContainer = new Map<string, Spark>();

  constructor(size: number) {
    this.#size = size;
  }

  push(samples: readonly MetricSample[]): void {
    for (const s of samples) {
      let spark = this.#byContainer.get(s.containerId);
      if (!spark) {
        spark = { cpu: [], mem: [] };
        this.#byContainer.set(s.containerId, spark);
      }
      spark.cpu.push(s.cpuPercent);
      spark.mem.push(s.memUsedBytes);
      if (spark.cpu.length > this.#size) spark.cpu.shift();
      if (spark.mem.length > this.#size) spark.mem.shift();
    }
  }

  get(containerId: string): Spark {
    return this.#byContainer.get(containerId) ?? { cpu: [], mem: [] };
  }
}
