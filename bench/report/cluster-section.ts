import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../test/support/processes.ts";
import { CLUSTER_CONTAINERS_PER_AGENT, type ClusterRun } from "../suites/cluster.ts";
import { num, table } from "./format.ts";
import { withSection } from "./kept-sections.ts";
import { renderPngs } from "./render-png.ts";
import { cdfPoints, svgChart } from "./svg-chart.ts";

/** The plot of figure 8, under docs/bench/. */
export const CLUSTER_PNG = "cluster-live-latency.png";

/** Figure 8's section of BENCHMARKS.md (kept as section `cluster`, so that `--only cluster` rewrites it alone). */
export function clusterSection(runs: ClusterRun[], pngDir: string, measuredAt: string): string {
  const rate = (n: number) => Math.round(n).toLocaleString("en-US");
  const pct = (n: number) => `${num(n, 0)} %`;
  const agents = runs[0]?.agents ?? 0;
  return [
    "## 8. Scale-out: three replicas on PostgreSQL and NATS (issue 14)",
    "",
    `Measured ${measuredAt} by \`npm run bench -- --only cluster\` (bench/suites/cluster.ts), one run:`,
    `${rate(agents)} simulated agents of ${CLUSTER_CONTAINERS_PER_AGENT} containers, each sending its samples once a second`,
    "(the real agent transport's framing, acked after the store commits), through HAProxy",
    "(deploy/cluster/haproxy.cfg) to three crowsnest-server replicas on a PostgreSQL 15 and a",
    "nats-server 2.9 of the bench's own; then every agent on one replica with the others stopped.",
    "Everything, the load generator included, shares this machine's 2 cores. _Live_ is a metric",
    "sample's reading time to its arrival at a browser socket on the first replica, for agents held by",
    "the other two (with one replica: held by it). _Passed_: nothing lost, no agent held back by",
    "50 unacked batches, ack p99 under 250 ms.",
    "",
    table(
      [
        "layout",
        "offered /s",
        "acked /s",
        "lost",
        "ack p50",
        "ack p99",
        "passed",
        "CPU per replica",
        "PostgreSQL",
        "NATS",
        "HAProxy",
        "live p50",
        "live p99",
      ],
      runs.map((r) => [
        r.layout,
        rate(r.offeredPerSecond),
        rate(r.ackedPerSecond),
        String(r.lost),
        `${num(r.ackP50Ms, 0)} ms`,
        `${num(r.ackP99Ms, 0)} ms`,
        r.passed ? "yes" : "no",
        r.replicaCpuPercent.map(pct).join(" / "),
        pct(r.postgresCpuPercent),
        pct(r.natsCpuPercent),
        pct(r.haproxyCpuPercent),
        `${num(r.liveP50Ms, 0)} ms`,
        `${num(r.liveP99Ms, 0)} ms`,
      ]),
    ),
    "",
    `![Live latency across replicas](${pngDir}/${CLUSTER_PNG})`,
    "",
    "PostgreSQL's disk per sample and per line beside SQLite's: the PostgreSQL column of figure 7 (the storage",
    "suite, `npm run bench -- --only storage`).",
  ].join("\n");
}

/** Distribution of the live latency of figure 8, one line per layout. */
export function clusterChart(runs: ClusterRun[]): string {
  return svgChart({
    title: "Metric sample → browser socket on another replica",
    xLabel: "latency (ms)",
    yLabel: "% of samples at or below",
    series: runs.map((r) => ({ name: r.layout, points: cdfPoints(r.liveLatenciesMs) })),
  });
}

/**
 * Writes figure 8 into BENCHMARKS.md (section `cluster`, replaced where it is) and its plot under
 * docs/bench/; returns the report's path. Whole-report runs carry the section over (keepSections).
 */
export async function publishClusterSection(runs: ClusterRun[], measuredAt: string): Promise<string> {
  await renderPngs([{ path: join(ROOT, "docs", "bench", CLUSTER_PNG), svg: clusterChart(runs) }]);
  const path = join(ROOT, "BENCHMARKS.md");
  writeFileSync(
    path,
    withSection(readFileSync(path, "utf8"), "cluster", clusterSection(runs, "docs/bench", measuredAt)),
  );
  return path;
}
