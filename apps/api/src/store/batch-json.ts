import { type MetricsColumnsBatch, metricsBatchOf, type SequencedAgentMessage } from "@crowsnest/protocol";
import type { ParsedWrite, TelemetryWrite } from "./store.ts";

const utf8 = new TextDecoder();

/**
 * The write as a writer applies it: a BatchJsonWrite's JSON parsed into its message, a metrics
 * batch's columns made rows (trusted: the server decoded and checked those very bytes as they
 * arrived), every other write as it is.
 */
export function parseWrite(write: TelemetryWrite): ParsedWrite {
  if (write.kind !== "batch-json") return write;
  const { json, ...rest } = write;
  const parsed = JSON.parse(utf8.decode(json)) as SequencedAgentMessage | MetricsColumnsBatch;
  return {
    ...rest,
    kind: "batch",
    message: parsed.type === "metrics_columns" ? metricsBatchOf(parsed) : parsed,
  };
}
