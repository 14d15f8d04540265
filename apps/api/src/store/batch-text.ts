import type { SequencedAgentMessage } from "@crowsnest/protocol";
import type { ParsedWrite, TelemetryWrite } from "./store.ts";

/**
 * The write as a writer applies it: a BatchTextWrite's text parsed into its message (trusted: the
 * server decoded and checked that very text as it arrived), every other write as it is.
 */
export function parseWrite(write: TelemetryWrite): ParsedWrite {
  if (write.kind !== "batch-text") return write;
  const { text, ...rest } = write;
  return { ...rest, kind: "batch", message: JSON.parse(text) as SequencedAgentMessage };
}
