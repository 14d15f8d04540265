"use client";
import { useCallback, useState } from "react";
import { errorText } from "./api.ts";

/** What the last operation on a page came to, shown as the server said it. */
export interface Outcome {
  ok: boolean;
  text: string;
}

/** Runs an operation and keeps its outcome; resolves to whether it succeeded. */
export function useOutcome(): {
  outcome: Outcome | null;
  run: <T>(what: string, operation: () => Promise<T>, describe?: (result: T) => string) => Promise<boolean>;
} {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const run = useCallback(
    async <T>(what: string, operation: () => Promise<T>, describe?: (result: T) => string) => {
      setOutcome(null);
      try {
        const result = await operation();
        setOutcome({ ok: true, text: describe ? `${what}: ${describe(result)}` : what });
        return true;
      } catch (err) {
        setOutcome({ ok: false, text: `${what} failed: ${errorText(err)}` });
        return false;
      }
    },
    [],
  );
  return { outcome, run };
}
