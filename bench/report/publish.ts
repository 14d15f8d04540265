import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../test/support/processes.ts";
import {
  HOST_COST_PNG,
  hostCostChart,
  INGEST_PNGS,
  ingestChart,
  LATENCY_PNG,
  latencyChart,
} from "./charts.ts";
import { keepSections } from "./kept-sections.ts";
import { benchmarksMarkdown } from "./markdown.ts";
import { renderPngs } from "./render-png.ts";
import type { BenchResults } from "./results.ts";
import { watcherCosts } from "./summaries.ts";

export const RESULTS_DIR = join(ROOT, "bench", "results");

/**
 * Writes BENCHMARKS.md and its PNG plots from a run's results; returns the report's path. A quick
 * run is for developing the harness: its report goes under bench/results/quick/, never over the
 * published one.
 */
export async function publishReport(results: BenchResults): Promise<string> {
  const reportDir = results.options.quick ? join(RESULTS_DIR, "quick") : ROOT;
  const pngDir = results.options.quick ? "." : "docs/bench";
  mkdirSync(reportDir, { recursive: true });
  await renderPngs([
    {
      path: join(reportDir, pngDir, HOST_COST_PNG),
      svg: hostCostChart(watcherCosts(results.hostCost ?? [])),
    },
    { path: join(reportDir, pngDir, LATENCY_PNG), svg: latencyChart(results.liveTail ?? []) },
    ...Object.entries(INGEST_PNGS).map(([figure, file]) => ({
      path: join(reportDir, pngDir, file),
      svg: ingestChart(
        [{ name: "this run", runs: results.ingest ?? [] }],
        figure as keyof typeof INGEST_PNGS,
      ),
    })),
  ]);
  const path = join(reportDir, "BENCHMARKS.md");
  const previous = existsSync(path) ? readFileSync(path, "utf8") : "";
  writeFileSync(path, keepSections(benchmarksMarkdown(results, pngDir), previous));
  return path;
}
