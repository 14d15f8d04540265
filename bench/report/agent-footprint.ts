/**
 * `node bench/report/agent-footprint.ts bench/results/bench-<time>.json ["NAME=N:MiB,MiB,…" …]`: the
 * agent-footprint figure of BENCHMARKS.md (issue 15) from a saved `npm run bench:agent` run:
 * docs/bench/agent-footprint-rss.png drawn, with any peak RSS measured elsewhere (e.g. the agent
 * before a change, "before=200:114.9,115.1") as more series, and the table of the agent against
 * Netdata printed for the section.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../test/support/processes.ts";
import { spread } from "../support/measure.ts";
import { AGENT_RSS_PNG, footprintTable, rssChart } from "./host-cost-tables.ts";
import { renderPngs } from "./render-png.ts";
import type { BenchResults } from "./results.ts";
import { watcherCosts } from "./summaries.ts";

const [file, ...measuredElsewhere] = process.argv.slice(2);
if (file === undefined)
  throw new Error("usage: node bench/report/agent-footprint.ts bench/results/bench-<time>.json");
const results = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
if (!results.hostCost) throw new Error(`${file} holds no host-cost runs`);
const costs = watcherCosts(results.hostCost);
/** "before=200:114.9,115.1" → a series with one point per N: the median, its spread as the error bar. */
const extra = measuredElsewhere.map((arg) => {
  const [name, values] = arg.split("=");
  const [n, mib] = (values ?? "").split(":");
  const runs = (mib ?? "").split(",").map(Number);
  if (name === undefined || runs.some(Number.isNaN)) throw new Error(`expected NAME=N:MiB,MiB, got ${arg}`);
  const { median, min, max } = spread(runs);
  return { name, points: [{ x: Number(n), y: median, lo: min, hi: max }] };
});
await renderPngs([{ path: join(ROOT, "docs", "bench", AGENT_RSS_PNG), svg: rssChart(costs, extra) }]);
console.log(footprintTable(costs));
