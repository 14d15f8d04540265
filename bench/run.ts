/**
 * `npm run bench`: Crowsnest side by side with `docker stats` and Netdata on this machine, in one
 * run that stops by itself, then BENCHMARKS.md and its plots regenerated from what was measured.
 * `--quick` measures less (one short run each) and writes its report under bench/results/quick/;
 * `--only host-cost,ingest,...` runs some suites and saves their raw results; of the report it rewrites
 * only figures 7 and 7b (storage) and 8 (cluster), kept sections of their own, and prints the rest;
 * `--report bench/results/bench-<time>.json` measures nothing and regenerates that run's report.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { requireDockerEngine } from "../test/support/docker-cli.ts";
import { ROOT } from "../test/support/processes.ts";
import { publishClusterSection } from "./report/cluster-section.ts";
import { benchmarksMarkdown } from "./report/markdown.ts";
import { publishReport, publishStorageFigures, RESULTS_DIR } from "./report/publish.ts";
import type { BenchResults } from "./report/results.ts";
import { clusterSuite } from "./suites/cluster.ts";
import { fanOutSuite } from "./suites/fan-out.ts";
import { hostCostSuite } from "./suites/host-cost.ts";
import { ingestSuite } from "./suites/ingest.ts";
import { liveTailSuite } from "./suites/live-tail.ts";
import { logFloodSuite } from "./suites/log-flood.ts";
import { storageSuite } from "./suites/storage.ts";
import { storageSearchSuite } from "./suites/storage-search.ts";
import { removeBenchContainers } from "./support/bench-containers.ts";
import { cleanUpOnSignals } from "./support/cleanup.ts";
import { describeMachine } from "./support/machine.ts";
import { netdataVersion } from "./support/netdata.ts";
import { parseOptions, type SuiteName } from "./support/options.ts";

const options = parseOptions(process.argv.slice(2));
if (options.reportFrom !== null) {
  const saved = JSON.parse(readFileSync(options.reportFrom, "utf8")) as BenchResults;
  console.log(`report: ${relative(ROOT, await publishReport(saved))}`);
  process.exit(0);
}
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
results.logFlood = await attempt("log-flood", () => logFloodSuite(options, log));
results.storage = await attempt("storage", () => storageSuite(options, log));
results.storageSearch = await attempt("storage-search", () => storageSearchSuite(options, log));
results.cluster = await attempt("cluster", () => clusterSuite(options, log));
results.finishedAt = new Date().toISOString();
results.durationSeconds = (Date.now() - started) / 1000;

mkdirSync(RESULTS_DIR, { recursive: true });
const rawPath = join(RESULTS_DIR, `bench-${results.startedAt.replace(/[:.]/g, "-")}.json`);
writeFileSync(rawPath, `${JSON.stringify(results)}\n`);
log(`raw results: ${relative(ROOT, rawPath)}`);

// Figure 8 is its own section: `--only cluster` rewrites it without the rest of the report.
if (results.cluster && !options.quick) {
  log(`figure 8: ${relative(ROOT, await publishClusterSection(results.cluster, results.startedAt))}`);
}
// Figures 7 and 7b are sections too, with notes kept: `--only storage,storage-search` rewrites them alone.
if (!options.publish && (results.storage || results.storageSearch)) {
  log(`figures 7, 7b: ${relative(ROOT, publishStorageFigures(results))}`);
}
if (options.publish) log(`report: ${relative(ROOT, await publishReport(results))}`);
else console.log(benchmarksMarkdown(results, "docs/bench"));
process.exit(0);
