import type { StorageSearchRun } from "../suites/storage-search.ts";
import { spread } from "../support/measure.ts";
import { cell, table } from "./format.ts";

/** Issue 13's query target for a one-word search (over 10 million lines). */
const SEARCH_TARGET_MS = 200;

/**
 * Figure 7b: log search over stored lines, by word start (index) and anywhere (bounded scan);
 * `notes` is the figure's kept notes block (keptNotes), printed last. Throws on no runs.
 */
export function storageSearchSection(runs: readonly StorageSearchRun[], notes: string): string {
  const first = runs[0];
  if (first === undefined) throw new Error("figure 7b needs at least one search run");
  const perContainer = first.lines / first.containers;
  const rows = first.searches.map((search, i) => {
    const ms = spread(runs.map((r) => r.searches[i]?.medianMs ?? Number.NaN));
    const p95 = spread(runs.map((r) => r.searches[i]?.p95Ms ?? Number.NaN));
    const indexed = search.label.startsWith("word start");
    return [
      search.label,
      cell(ms, 1),
      cell(p95, 1),
      String(search.lines),
      indexed ? `≤ ${SEARCH_TARGET_MS}` : "–",
      indexed ? (ms.median <= SEARCH_TARGET_MS ? "yes" : "no") : "–",
    ];
  });
  return [
    "## 7b. Log search",
    "",
    `The SQLite store filled at store level through its batch path with ${first.lines.toLocaleString("en")} log lines`,
    `over ${first.containers} containers (built once in ${cell(spread(runs.map((r) => r.buildSeconds)), 0)} s and kept under bench/results/ for later runs, file ${cell(spread(runs.map((r) => r.fileBytes / 2 ** 20)), 0)} MiB),`,
    "each line like `INFO checkout request 1a2b took 123 ms user=u42` with colour codes around the level,",
    "every 97th ending in `upstream Timeout from payment-gateway`, every 8th in `payment accepted`.",
    "Each search is the route's default page: the newest 200 matches of one container over its whole",
    `range (its ${perContainer.toLocaleString("en")} lines), \`store.logs.query\`, median and p95 of 7 after a warm-up.`,
    "_word start_ reads the container's newest 2,000 lines and, when they do not fill the page, asks",
    "the FTS5 index (`detail=none`, no prefix index) for the older ones; _anywhere_ scans the",
    `container's lines newest first, at most ${first.scanLimit.toLocaleString("en")}${perContainer <= first.scanLimit ? " (here its whole range)" : ""}.`,
    "",
    table(["search", "ms (median)", "ms (p95)", "lines", "target, ms", "reached"], rows),
    "",
    notes,
    "",
  ].join("\n");
}
