import { parseArgs } from "node:util";

export const SUITES = [
  "host-cost",
  "ingest",
  "live-tail",
  "fan-out",
  "log-flood",
  "storage",
  "storage-search",
  "cluster",
] as const;
export type SuiteName = (typeof SUITES)[number];

/** How much to measure: the full run publishes BENCHMARKS.md; --quick is for developing the harness. */
export interface BenchOptions {
  quick: boolean;
  runs: number;
  suites: SuiteName[];
  /** Only the full run of every suite regenerates BENCHMARKS.md and the plots. */
  publish: boolean;
  /** --report FILE: no measuring, only the report of a saved run regenerated. */
  reportFrom: string | null;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      only: { type: "string" },
      runs: { type: "string" },
      report: { type: "string" },
    },
  });
  const quick = values.quick === true || process.env.BENCH_QUICK === "1";
  const only = values.only?.split(",");
  for (const name of only ?? []) {
    if (!SUITES.includes(name as SuiteName))
      throw new Error(`--only: unknown suite ${name} (${SUITES.join(", ")})`);
  }
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number ≥ 1`);
  return {
    quick,
    runs,
    suites: (only as SuiteName[] | undefined) ?? [...SUITES],
    publish: only === undefined,
    reportFrom: values.report ?? null,
  };
}
