import type { IngestRun, IngestStage } from "../suites/ingest.ts";
import type { LiveTailRun } from "../suites/live-tail.ts";
import type { WatcherCost } from "./summaries.ts";
import { cdfPoints, svgChart } from "./svg-chart.ts";

export const HOST_COST_PNG = "host-cost-cpu.png";
export const LATENCY_PNG = "live-tail-latency.png";
export const INGEST_PNGS = {
  acked: "ingest-acked.png",
  ackP99: "ingest-ack-p99.png",
  health: "ingest-health-p99.png",
};

/** A set of ingest runs to draw as lines, e.g. one commit's. */
export interface IngestRunSet {
  name: string;
  runs: IngestRun[];
}

/**
 * One figure of the ingest climb against the offered rate, a line per run set and row kind (every
 * stage of every run drawn): `acked` rows/s, the `ackP99` or the `/api/health` p99 in ms.
 */
export function ingestChart(sets: IngestRunSet[], figure: keyof typeof INGEST_PNGS): string {
  const pick: Record<typeof figure, (s: IngestStage) => number> = {
    acked: (s) => s.ackedPerSecond,
    ackP99: (s) => s.ackP99Ms,
    health: (s) => s.healthP99Ms,
  };
  const label = {
    acked: "rows acked (stored) per second",
    ackP99: "ack p99, ms",
    health: "/api/health p99 during the stage, ms",
  }[figure];
  return svgChart({
    title: `Ingest: ${label} against the rate offered`,
    xLabel: "rows offered per second (log scale)",
    yLabel: label,
    xLog: true,
    markers: true,
    series: sets.flatMap((set) =>
      (["metrics", "logs"] as const).flatMap((kind) =>
        set.runs
          .filter((r) => r.kind === kind)
          .map((r) => ({
            name: `${set.name}: ${kind === "metrics" ? "samples" : "log lines"}${set.runs.length > 2 ? ` (run ${r.run})` : ""}`,
            points: r.stages.map((s) => ({ x: s.offeredPerSecond, y: pick[figure](s) })),
          })),
      ),
    ),
  });
}

/** Total CPU (watcher + extra dockerd + extra containerd) against container count, one line per tool. */
export function hostCostChart(costs: WatcherCost[]): string {
  const tools = ["crowsnest", "docker stats", "netdata"] as const;
  return svgChart({
    title: "Host CPU to watch N idle containers at 1 s",
    xLabel: "idle containers started by the benchmark",
    yLabel: "% of one core (watcher + extra dockerd/containerd)",
    markers: true,
    series: tools.map((tool) => ({
      name: tool === "crowsnest" ? "Crowsnest agent" : tool,
      points: costs
        .filter((c) => c.watcher === tool)
        .map((c) => ({ x: c.containers, y: c.totalCpu.median, lo: c.totalCpu.min, hi: c.totalCpu.max })),
    })),
  });
}

/** Distribution of line and sample latency, container → browser socket, every run pooled. */
export function latencyChart(runs: LiveTailRun[]): string {
  const keys = [...new Set(runs.map((r) => `${r.linesPerSecond}/${r.viewers}`))];
  const pooled = (key: string, pick: (r: LiveTailRun) => number[]) =>
    runs.filter((r) => `${r.linesPerSecond}/${r.viewers}` === key).flatMap(pick);
  return svgChart({
    title: "Live tail latency, container → browser socket (CDF)",
    xLabel: "latency, ms (log scale)",
    yLabel: "% of lines / samples arrived",
    xLog: true,
    series: [
      ...keys.map((key) => {
        const [rate, viewers] = key.split("/");
        return {
          name: `lines ${rate}/s, ${viewers} viewer(s)`,
          points: cdfPoints(pooled(key, (r) => r.lineLatencies)),
        };
      }),
      { name: "metric samples (all)", points: cdfPoints(runs.flatMap((r) => r.sampleLatencies)) },
    ],
  });
}
