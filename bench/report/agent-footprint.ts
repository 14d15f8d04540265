/**
 * `node bench/report/agent-footprint.ts bench/results/bench-<time>.json`: the agent-footprint figure
 * of BENCHMARKS.md (issue 15) from a saved `npm run bench:agent` run: docs/bench/agent-footprint-rss.png
 * drawn, and the table of the agent against Netdata printed for the section.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../test/support/processes.ts";
import { AGENT_RSS_PNG, footprintTable, rssChart } from "./host-cost-tables.ts";
import { renderPngs } from "./render-png.ts";
import type { BenchResults } from "./results.ts";
import { watcherCosts } from "./summaries.ts";

const [file] = process.argv.slice(2);
if (file === undefined)
  throw new Error("usage: node bench/report/agent-footprint.ts bench/results/bench-<time>.json");
const results = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
if (!results.hostCost) throw new Error(`${file} holds no host-cost runs`);
const costs = watcherCosts(results.hostCost);
await renderPngs([{ path: join(ROOT, "docs", "bench", AGENT_RSS_PNG), svg: rssChart(costs) }]);
console.log(footprintTable(costs));
