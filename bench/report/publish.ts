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
import { keepSections, keptNotes, withSection } from "./kept-sections.ts";
import { benchmarksMarkdown } from "./markdown.ts";
import { renderPngs } from "./render-png.ts";
import type { BenchResults } from "./results.ts";
import { storageSearchSection } from "./storage-search-table.ts";
import { storageSection } from "./storage-table.ts";
import { watcherCosts } from "./summaries.ts";

export const RESULTS_DIR = join(ROOT, "bench", "results");

/**
 * Writes BENCHMARKS.md and its PNG plots from a run's results; returns the report's path. A quick
 * run is for developing the harness: its report goes under bench/results/quick/, never over the
 * published one.
 */
export async function publishReport(results: BenchResults): Promise<string> {
  const reportDir = reportDirOf(results);
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
  writeFileSync(
    path,
    keepSections(benchmarksMarkdown(results, pngDir), withStorageFigures(previous, results)),
  );
  return path;
}

/**
 * Writes the storage figures (7 and 7b) of a run into its report (BENCHMARKS.md, or
 * bench/results/quick/ for a quick run) and leaves every other figure as it was: a storage run
 * alone (`--only storage`, `--only storage-search`, or both) publishes them. Returns the report's path.
 */
export function publishStorageFigures(results: BenchResults): string {
  const reportDir = reportDirOf(results);
  mkdirSync(reportDir, { recursive: true });
  const path = join(reportDir, "BENCHMARKS.md");
  const previous = existsSync(path) ? readFileSync(path, "utf8") : "";
  writeFileSync(path, withStorageFigures(previous, results));
  return path;
}

/**
 * `markdown` with the run's figures 7 (section `storage`) and 7b (section `storage-search`)
 * regenerated where they are, each keeping its hand-written notes block (keptNotes); a figure the
 * run did not measure stays as it was.
 */
function withStorageFigures(markdown: string, results: BenchResults): string {
  let out = markdown;
  if (results.storage)
    out = withSection(out, "storage", storageSection(results.storage, keptNotes(out, "storage")));
  if (results.storageSearch)
    out = withSection(
      out,
      "storage-search",
      storageSearchSection(results.storageSearch, keptNotes(out, "storage-search")),
    );
  return out;
}

function reportDirOf(results: BenchResults): string {
  return results.options.quick ? join(RESULTS_DIR, "quick") : ROOT;
}
