/**
 * `node bench/report/ingest-compare.ts NAME=bench/results/bench-A.json NAME=bench/results/bench-B.json`:
 * the ingest runs of saved results (e.g. the previous commit's and this one's, each measured by
 * `npm run bench -- --only ingest` in a clean clone) drawn together into docs/bench/ingest-*.png,
 * and each one's figure 3 table printed, for BENCHMARKS.md.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../test/support/processes.ts";
import { INGEST_PNGS, type IngestRunSet, ingestChart } from "./charts.ts";
import { renderPngs } from "./render-png.ts";
import type { BenchResults } from "./results.ts";
import { serverSections } from "./server-tables.ts";

const sets: IngestRunSet[] = process.argv.slice(2).map((arg) => {
  const [name, file] = arg.split("=");
  if (name === undefined || file === undefined) throw new Error(`expected NAME=FILE, got ${arg}`);
  const results = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
  if (!results.ingest) throw new Error(`${file} holds no ingest runs`);
  return { name, runs: results.ingest };
});
await renderPngs(
  Object.entries(INGEST_PNGS).map(([figure, file]) => ({
    path: join(ROOT, "docs", "bench", file),
    svg: ingestChart(sets, figure as keyof typeof INGEST_PNGS),
  })),
);
for (const set of sets) {
  const table = serverSections({ ingest: set.runs } as BenchResults, "docs/bench").find((l) =>
    l.startsWith("| rows"),
  );
  console.log(`${set.name}:\n\n${table}\n`);
}
