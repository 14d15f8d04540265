import type { LiveTailRun } from "../suites/live-tail.ts";
import type { WatcherCost } from "./summaries.ts";
import { cdfPoints, svgChart } from "./svg-chart.ts";

export const HOST_COST_PNG = "host-cost-cpu.png";
export const LATENCY_PNG = "live-tail-latency.png";

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
