import type { Outcome } from "../lib/use-outcome.ts";

export function OutcomeMessage({ outcome, testId }: { outcome: Outcome | null; testId: string }) {
  if (!outcome) return null;
  return (
    <output className={outcome.ok ? "result ok" : "result error"} data-testid={testId}>
      {outcome.text}
    </output>
  );
}
