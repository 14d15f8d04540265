import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (from /proc/<pid>/stat) and peak resident memory of a process over an interval. */
export class ProcessMeter {
  readonly #pid: number;
  #cpuTicks = 0;
  #startedAt = 0;
  #maxRss = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(pid: number) {
    this.#pid = pid;
  }

  start(): void {
    this.#cpuTicks = this.#ticks();
    this.#startedAt = performance.now();
    this.#maxRss = this.#rssBytes();
    this.#timer = setInterval(() => {
      this.#maxRss = Math.max(this.#maxRss, this.#rssBytes());
    }, 250);
  }

  stop(): { cpuPercent: number; maxRssMiB: number } {
    clearInterval(this.#timer);
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const cpuSeconds = (this.#ticks() - this.#cpuTicks) / TICKS_PER_SECOND;
    return {
      cpuPercent: (100 * cpuSeconds) / seconds,
      maxRssMiB: Math.max(this.#maxRss, this.#rssBytes()) / 2 ** 20,
    };
  }

  #ticks(): number {
    // Fields after the command name (which may hold spaces) start after the last ")".
    const stat = readFileSync(`/proc/${this.#pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  }

  #rssBytes(): number {
    const status = readFileSync(`/proc/${this.#pid}/status`, "utf8");
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kib * 1024;
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
