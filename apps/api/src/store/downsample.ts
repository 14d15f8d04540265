import type { MetricPoint } from "@crowsnest/protocol";

/** Points reduced for a chart: `bucketMs` null when they were few enough to pass unchanged. */
export interface Downsampled {
  points: MetricPoint[];
  bucketMs: number | null;
}

/**
 * Merges points within [from, to] (ms) into at most `maxPoints` buckets of equal width
 * (`ceil((to − from + 1) / maxPoints)` ms, the first starting at `from`), so that a chart never
 * gets more points than it has pixels for. A bucket keeps the average of its points' averages, the
 * lowest minimum and the highest maximum (min/max buckets: a one-second spike or dip still shows,
 * as in the min/max reductions of Grafana or Netdata), and the memory limit and cumulative counters
 * of its latest point; its `t` is its start; empty buckets are left out. Points may come in any
 * order; `add` keeps nothing of the point it is given, so a caller may reuse one object.
 * Backend-neutral: a backend may do the same in its query language instead.
 */
export class Downsampler {
  readonly bucketMs: number;
  readonly #from: number;
  /** Per bucket: points added, the latest point's time, sums, extremes, the latest point's limit and counters. */
  readonly #n: Float64Array;
  readonly #last: Float64Array;
  readonly #cpu: Float64Array;
  readonly #cpuMin: Float64Array;
  readonly #cpuMax: Float64Array;
  readonly #mem: Float64Array;
  readonly #memMin: Float64Array;
  readonly #memMax: Float64Array;
  readonly #pids: Float64Array;
  readonly #limit: Float64Array;
  /** NaN stands for null. */
  readonly #rx: Float64Array;
  readonly #tx: Float64Array;
  readonly #read: Float64Array;
  readonly #write: Float64Array;

  constructor(from: number, to: number, maxPoints: number) {
    this.bucketMs = Math.max(1, Math.ceil((to - from + 1) / maxPoints));
    this.#from = from;
    const buckets = Math.ceil((to - from + 1) / this.bucketMs);
    this.#n = new Float64Array(buckets);
    this.#last = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY);
    this.#cpu = new Float64Array(buckets);
    this.#cpuMin = new Float64Array(buckets).fill(Number.POSITIVE_INFINITY);
    this.#cpuMax = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY);
    this.#mem = new Float64Array(buckets);
    this.#memMin = new Float64Array(buckets).fill(Number.POSITIVE_INFINITY);
    this.#memMax = new Float64Array(buckets).fill(Number.NEGATIVE_INFINITY);
    this.#pids = new Float64Array(buckets);
    this.#limit = new Float64Array(buckets);
    this.#rx = new Float64Array(buckets);
    this.#tx = new Float64Array(buckets);
    this.#read = new Float64Array(buckets);
    this.#write = new Float64Array(buckets);
  }

  add(p: MetricPoint): void {
    const b = Math.floor((p.t - this.#from) / this.bucketMs);
    if (b < 0 || b >= this.#n.length) return;
    this.#n[b] = (this.#n[b] as number) + 1;
    this.#cpu[b] = (this.#cpu[b] as number) + p.cpuPercent;
    this.#mem[b] = (this.#mem[b] as number) + p.memUsedBytes;
    this.#pids[b] = (this.#pids[b] as number) + p.pids;
    this.#cpuMin[b] = Math.min(this.#cpuMin[b] as number, p.cpuPercentMin);
    this.#cpuMax[b] = Math.max(this.#cpuMax[b] as number, p.cpuPercentMax);
    this.#memMin[b] = Math.min(this.#memMin[b] as number, p.memUsedBytesMin);
    this.#memMax[b] = Math.max(this.#memMax[b] as number, p.memUsedBytesMax);
    if (p.t >= (this.#last[b] as number)) {
      this.#last[b] = p.t;
      this.#limit[b] = p.memLimitBytes;
      this.#rx[b] = p.netRxBytes ?? Number.NaN;
      this.#tx[b] = p.netTxBytes ?? Number.NaN;
      this.#read[b] = p.blkReadBytes;
      this.#write[b] = p.blkWriteBytes;
    }
  }

  /** The non-empty buckets, oldest first. */
  points(): MetricPoint[] {
    const out: MetricPoint[] = [];
    for (let b = 0; b < this.#n.length; b++) {
      const n = this.#n[b] as number;
      if (n === 0) continue;
      out.push({
        t: this.#from + b * this.bucketMs,
        cpuPercent: (this.#cpu[b] as number) / n,
        cpuPercentMin: this.#cpuMin[b] as number,
        cpuPercentMax: this.#cpuMax[b] as number,
        memUsedBytes: (this.#mem[b] as number) / n,
        memUsedBytesMin: this.#memMin[b] as number,
        memUsedBytesMax: this.#memMax[b] as number,
        memLimitBytes: this.#limit[b] as number,
        netRxBytes: orNull(this.#rx[b] as number),
        netTxBytes: orNull(this.#tx[b] as number),
        blkReadBytes: this.#read[b] as number,
        blkWriteBytes: this.#write[b] as number,
        pids: (this.#pids[b] as number) / n,
      });
    }
    return out;
  }
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** `points` reduced with a Downsampler when there are more than `maxPoints`; otherwise as they are. */
export function downsample(
  points: readonly MetricPoint[],
  from: number,
  to: number,
  maxPoints: number,
): Downsampled {
  if (points.length <= maxPoints) return { points: [...points], bucketMs: null };
  const buckets = new Downsampler(from, to, maxPoints);
  for (const p of points) buckets.add(p);
  return { points: buckets.points(), bucketMs: buckets.bucketMs };
}
