import type { MetricPoint, MetricSample } from "@crowsnest/protocol";

/**
 * One chart row, from either a stored point (history) or a live sample. Counters are cumulative;
 * `rx`/`tx` are null for a container on the host's network (no per-container figure exists).
 * `cpuMax`/`memMax`: the highest value within the point's span (a bucket or a minute of history),
 * so a spike shorter than a point still shows; a live sample's own value.
 */
export interface MetricRow {
  t: number;
  cpu: number;
  cpuMax: number;
  mem: number;
  memMax: number;
  memLimit: number;
  rx: number | null;
  tx: number | null;
  rd: number;
  wr: number;
  onlineCpus: number | null;
}

export function rowFromPoint(p: MetricPoint): MetricRow {
  return {
    t: p.t,
    cpu: p.cpuPercent,
    cpuMax: p.cpuPercentMax,
    mem: p.memUsedBytes,
    memMax: p.memUsedBytesMax,
    memLimit: p.memLimitBytes,
    rx: p.netRxBytes,
    tx: p.netTxBytes,
    rd: p.blkReadBytes,
    wr: p.blkWriteBytes,
    onlineCpus: null,
  };
}

export function rowFromSample(s: MetricSample): MetricRow {
  return {
    t: s.t,
    cpu: s.cpuPercent,
    cpuMax: s.cpuPercent,
    mem: s.memUsedBytes,
    memMax: s.memUsedBytes,
    memLimit: s.memLimitBytes,
    rx: s.netRxBytes,
    tx: s.netTxBytes,
    rd: s.blkReadBytes,
    wr: s.blkWriteBytes,
    onlineCpus: s.onlineCpus,
  };
}

export const RANGES = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "6h": 6 * 3_600_000,
  "24h": 24 * 3_600_000,
  "7d": 7 * 24 * 3_600_000,
} as const;
export type RangeKey = keyof typeof RANGES;
export function isRangeKey(v: string): v is RangeKey {
  return Object.hasOwn(RANGES, v);
}

/** Value columns of the chart data; uPlot reads them as arrays aligned with `x` (seconds). */
export type Column = "cpu" | "cpuMax" | "cpuHost" | "mem" | "memMax" | "memPct" | "rx" | "tx" | "rd" | "wr";

/**
 * Columnar metric data for one container, appended to in place as live samples arrive and
 * trimmed to the visible window. History and the live stream are joined by time: a live
 * sample at or before the last row already held is ignored, so there is neither a gap nor
 * a duplicate where they meet.
 */
export class MetricColumns {
  readonly cols: Record<Column, (number | null)[]> & { x: number[] } = {
    x: [],
    cpu: [],
    cpuMax: [],
    cpuHost: [],
    mem: [],
    memMax: [],
    memPct: [],
    rx: [],
    tx: [],
    rd: [],
    wr: [],
  };
  private last: MetricRow | null = null;
  /** CPUs of the host, used for "share of host" until a live sample says otherwise. */
  hostCpus: number | null;

  constructor(hostCpus: number | null) {
    this.hostCpus = hostCpus;
  }

  get length(): number {
    return this.cols.x.length;
  }

  get lastTime(): number | null {
    return this.last?.t ?? null;
  }

  /** The newest row says the container is on the host's network: it has no network figures. */
  get hostNetwork(): boolean {
    return this.last !== null && this.last.rx === null;
  }

  /** Appends a row if it is newer than the last one; returns whether it did. */
  push(row: MetricRow): boolean {
    if (this.last && row.t <= this.last.t) return false;
    if (row.onlineCpus !== null) this.hostCpus = row.onlineCpus;
    const prev = this.last;
    const dt = prev ? (row.t - prev.t) / 1000 : 0;
    const rate = (now: number | null, before: number | null | undefined): number | null => {
      if (!prev || now === null || before === null || before === undefined || dt <= 0 || now < before)
        return null;
      return (now - before) / dt;
    };
    const c = this.cols;
    c.x.push(row.t / 1000);
    c.cpu.push(row.cpu);
    c.cpuMax.push(row.cpuMax);
    c.cpuHost.push(this.hostCpus ? row.cpu / this.hostCpus : null);
    c.mem.push(row.mem);
    c.memMax.push(row.memMax);
    c.memPct.push(row.memLimit > 0 ? (row.mem / row.memLimit) * 100 : null);
    c.rx.push(rate(row.rx, prev?.rx));
    c.tx.push(rate(row.tx, prev?.tx));
    c.rd.push(rate(row.rd, prev?.rd));
    c.wr.push(rate(row.wr, prev?.wr));
    this.last = row;
    return true;
  }

  /** Drops rows older than `fromMs`. */
  trim(fromMs: number): void {
    const from = fromMs / 1000;
    let n = 0;
    while (n < this.cols.x.length && (this.cols.x[n] ?? 0) < from) n++;
    if (n === 0) return;
    for (const col of Object.values(this.cols)) col.splice(0, n);
  }

  clear(): void {
    for (const col of Object.values(this.cols)) col.length = 0;
    this.last = null;
  }
}

/** Joins stored history (oldest first) and live rows received meanwhile into one store. */
export function joinHistory(store: MetricColumns, history: MetricRow[], pendingLive: MetricRow[]): void {
  store.clear();
  for (const row of history) store.push(row);
  const sorted = [...pendingLive].sort((a, b) => a.t - b.t);
  for (const row of sorted) store.push(row);
}
