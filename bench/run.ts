/**
 * `npm run bench`: Crowsnest side by side with `docker stats` and Netdata on this machine, in one
 * run that stops by itself, then BENCHMARKS.md and its plots regenerated from what was measured.
 * `--quick` measures less (one short run each) and writes its report under bench/results/quick/;
 * `--only host-cost,ingest,...` runs some suites and only prints and saves their raw results.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { requireDockerEngine } from "../test/support/docker-cli.ts";
import { ROOT } from "../test/support/processes.ts";
import { HOST_COST_PNG, hostCostChart, LATENCY_PNG, latencyChart } from "./report/charts.ts";
import { benchmarksMarkdown } from "./report/markdown.ts";
import { renderPngs } from "./report/render-png.ts";
import type { BenchResults } from "./report/results.ts";
import { watcherCosts } from "./report/summaries.ts";
import { fanOutSuite } from "./suites/fan-out.ts";
import { hostCostSuite } from "./suites/host-cost.ts";
import { ingestSuite } from "./suites/ingest.ts";
import { liveTailSuite } from "./suites/live-tail.ts";
import { removeBenchContainers } from "./support/bench-containers.ts";
import { cleanUpOnSignals } from "./support/cleanup.ts";
import { describeMachine } from "./support/machine.ts";
import { netdataVersion } from "./support/netdata.ts";
import { parseOptions, type SuiteName } from "./support/options.ts";

const options = parseOptions(process.argv.slice(2));
const started = Date.now();
const log = (line: string) => console.log(`[${Math.round((Date.now() - started) / 1000)} s] ${line}`);

await requireDockerEngine();
cleanUpOnSignals();
await removeBenchContainers(); // leftovers of a run that was killed outright
const results: BenchResults = {
  startedAt: new Date(started).toISOString(),
  finishedAt: "",
  durationSeconds: 0,
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  options,
  machine: await describeMachine(netdataVersion()),
  failures: [],
};
/** A suite that throws is reported, and the others still run. */
async function attempt<T>(suite: SuiteName, run: () => Promise<T>): Promise<T | undefined> {
  if (!options.suites.includes(suite)) return undefined;
  try {
    return await run();
  } catch (err) {
    const failure = `${suite}: ${(err as Error).message.split("\n")[0]}`;
    log(`FAILED ${failure}`);
    results.failures.push(failure);
    return undefined;
  } finally {
    await removeBenchContainers(); // idle containers would only add noise to the next suite
  }
}
results.hostCost = await attempt("host-cost", () => hostCostSuite(options, log));
results.ingest = await attempt("ingest", () => ingestSuite(options, log));
results.liveTail = await attempt("live-tail", () => liveTailSuite(options, log));
results.fanOut = await attempt("fan-out", () => fanOutSuite(options, log));
results.finishedAt = new Date().toISOString();
results.durationSeconds = (Date.now() - started) / 1000;

const resultsDir = join(ROOT, "bench", "results");
mkdirSync(resultsDir, { recursive: true });
const rawPath = join(resultsDir, `bench-${results.startedAt.replace(/[:.]/g, "-")}.json`);
writeFileSync(rawPath, `${JSON.stringify(results)}\n`);
log(`raw results: ${relative(ROOT, rawPath)}`);

if (options.publish) {
  // The quick run is for developing the harness: its report must not replace the published one.
  const reportDir = options.quick ? join(resultsDir, "quick") : ROOT;
  const pngDir = options.quick ? "." : "docs/bench";
  mkdirSync(reportDir, { recursive: true });
  await renderPngs([
    {
      path: join(reportDir, pngDir, HOST_COST_PNG),
      svg: hostCostChart(watcherCosts(results.hostCost ?? [])),
    },
    { path: join(reportDir, pngDir, LATENCY_PNG), svg: latencyChart(results.liveTail ?? []) },
  ]);
  writeFileSync(join(reportDir, "BENCHMARKS.md"), benchmarksMarkdown(results, pngDir));
  log(`report: ${relative(ROOT, join(reportDir, "BENCHMARKS.md"))}`);
} else {
  console.log(benchmarksMarkdown(results, "docs/bench"));
}
process.exit(0);
