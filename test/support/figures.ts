import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./processes.ts";

/**
 * Appends a measured figure of a fault or attack case to test-artifacts/reliability.jsonl, the
 * source of the table in docs/reliability.md, and prints it.
 */
export function recordFigure(testCase: string, figures: Record<string, number | string | boolean>): void {
  const dir = join(ROOT, "test-artifacts");
  mkdirSync(dir, { recursive: true });
  const line = JSON.stringify({ case: testCase, at: new Date().toISOString(), ...figures });
  appendFileSync(join(dir, "reliability.jsonl"), `${line}\n`);
  process.stdout.write(`[figure] ${line}\n`);
}
