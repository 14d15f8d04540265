import { encode, type MetricsBatch, metricsColumnsBatchOf } from "@crowsnest/protocol/agent";

/** How `encode` begins a metrics batch's text: its `type` comes first. */
const METRICS_PREFIX = '{"type":"metrics",';

/**
 * A batch's text as the outbox keeps it, in the form the server takes: a metrics batch as columns
 * (MetricsColumnsBatch) to a server that takes them (`metricsColumns`, Welcome.metricsColumns),
 * any other text as it is. The outbox keeps rows, on disk and in memory, which every server takes
 * and every version of this agent reads from its state directory; a batch is made columns as it
 * is sent (about a millisecond of the agent for a batch of 300 samples, once a sampling round).
 */
export function wireText(text: string, metricsColumns: boolean): string {
  if (!metricsColumns || !text.startsWith(METRICS_PREFIX)) return text;
  return encode(metricsColumnsBatchOf(JSON.parse(text) as MetricsBatch));
}
