import type { Spread } from "../support/measure.ts";

/** Cells and tables of BENCHMARKS.md. */
export const num = (n: number, digits: number) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–";

/** "median (min–max)" */
export function cell(s: Spread, digits = 1): string {
  if (s.runs === 0) return "–";
  return s.runs === 1
    ? num(s.median, digits)
    : `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`;
}

export const ratio = (tool: number, crowsnest: number) =>
  Number.isFinite(tool) && Number.isFinite(crowsnest) && crowsnest > 0 ? `${num(tool / crowsnest, 1)}×` : "–";

/** A Markdown table with padded columns, as the repository's formatter (Biome) writes them. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
