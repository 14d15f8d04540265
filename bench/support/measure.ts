import { rssBytes } from "./process-cpu.ts";

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A figure over repeated runs: its median and the range the runs spread over. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spread(values: number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number, runs: finite.length };
}

/** Peak resident memory of a group of processes, sampled every 250 ms between start() and stop(). */
export class PeakRss {
  readonly #pids: () => number[];
  #peak = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(pids: () => number[]) {
    this.#pids = pids;
  }

  start(): void {
    this.#peak = rssBytes(this.#pids());
    this.#timer = setInterval(() => {
      this.#peak = Math.max(this.#peak, rssBytes(this.#pids()));
    }, 250);
  }

  stopMiB(): number {
    clearInterval(this.#timer);
    return Math.max(this.#peak, rssBytes(this.#pids())) / 2 ** 20;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
