import { z } from "zod";
import { ContainerId, EpochMs, Int32, Rfc3339Nano } from "./ids.ts";
import { LIMITS } from "./limits.ts";

const Bytes = z.number().int().nonnegative();

export const MetricSample = z.object({
  containerId: ContainerId,
  t: EpochMs,
  /** As `docker stats` shows it: 100 means one full core. */
  cpuPercent: z.number().nonnegative().max(1e6),
  /** CPUs the container could use when sampled; cpuPercent / onlineCpus is its share of the host. */
  onlineCpus: z.number().int().positive().max(100_000),
  /** Usage minus inactive file cache, as the Docker CLI computes it. */
  memUsedBytes: Bytes,
  memLimitBytes: Bytes,
  /**
   * Bytes received and sent over the container's own network interfaces since it started; null
   * (added in protocol 1) for a container on the host's network (`--network host`), which has no
   * interfaces of its own: the host's counters are not its traffic, and `docker stats` shows 0 B.
   */
  netRxBytes: Bytes.nullable(),
  netTxBytes: Bytes.nullable(),
  blkReadBytes: Bytes,
  blkWriteBytes: Bytes,
  /** Processes (and threads) in the container. */
  pids: Int32.nonnegative(),
});
export type MetricSample = z.infer<typeof MetricSample>;

/** Each field of MetricSample as an array of its values, one per sample, in the samples' order. */
const metricColumnShape = Object.fromEntries(
  Object.entries(MetricSample.shape).map(([field, schema]) => [
    field,
    z.array(schema).max(LIMITS.metricSamplesPerBatch),
  ]),
) as { [K in keyof typeof MetricSample.shape]: z.ZodArray<(typeof MetricSample.shape)[K]> };

/**
 * Added in protocol 1 (the server says it takes them, Welcome.metricsColumns): a batch's samples
 * as columns, each field's values in one array, as Prometheus' and most time-series wire formats
 * carry them. The field names are said once a batch rather than once a sample, which halves its
 * JSON; a parse of it makes a dozen arrays, of numbers mostly, where one of rows made an object
 * (and its boxed numbers) a sample: about half of what the server's main thread did with a
 * batch (BENCHMARKS.md figure 3). Every column holds as many values as `containerId`.
 */
export const MetricColumns = z.object(metricColumnShape).refine(columnLengthsAgree, {
  message: "every column must hold as many values as containerId",
});
export type MetricColumns = z.infer<typeof MetricColumns>;

/** Whether every column holds as many values as `containerId` (MetricColumns' rule, which JSON Schema cannot state). */
export function columnLengthsAgree(columns: Readonly<Record<string, readonly unknown[]>>): boolean {
  const n = columns.containerId?.length;
  return Object.values(columns).every((column) => column.length === n);
}

/** Samples as columns (MetricColumns). */
export function metricColumns(samples: readonly MetricSample[]): MetricColumns {
  const fields = Object.keys(MetricSample.shape) as (keyof MetricSample)[];
  return Object.fromEntries(fields.map((field) => [field, samples.map((s) => s[field])])) as MetricColumns;
}

/**
 * The samples of valid columns (MetricColumns), as objects of one shape: a literal, because the
 * server's main thread makes them for every batch it relays, and its writer's thread again.
 */
export function samplesOfColumns(c: MetricColumns): MetricSample[] {
  const samples = new Array<MetricSample>(c.containerId.length);
  for (let i = 0; i < samples.length; i++) {
    samples[i] = {
      containerId: c.containerId[i] as string,
      t: c.t[i] as number,
      cpuPercent: c.cpuPercent[i] as number,
      onlineCpus: c.onlineCpus[i] as number,
      memUsedBytes: c.memUsedBytes[i] as number,
      memLimitBytes: c.memLimitBytes[i] as number,
      netRxBytes: c.netRxBytes[i] as number | null,
      netTxBytes: c.netTxBytes[i] as number | null,
      blkReadBytes: c.blkReadBytes[i] as number,
      blkWriteBytes: c.blkWriteBytes[i] as number,
      pids: c.pids[i] as number,
    };
  }
  return samples;
}

export const LogStream = z.enum(["stdout", "stderr"]);
export type LogStream = z.infer<typeof LogStream>;

/**
 * What ends a line cut at LIMITS.logLineBytes: `…[cut from 307200 bytes]`, the original length
 * being the UTF-8 bytes of the whole line as the container wrote it (without its newline).
 */
export function logCutMarker(originalBytes: number): string {
  return ` …[cut from ${originalBytes} bytes]`;
}

/** Room for the marker after a cut line: the longest `logCutMarker` text has ~40 UTF-16 units. */
const LOG_MARKER_CHARS = 64;

/**
 * One log line: Docker's 16 KiB partial messages already joined, so `ts` is the timestamp of its
 * first piece and `text` the whole line up to LIMITS.logLineBytes of UTF-8 (256 KiB).
 */
export const LogLine = z.object({
  containerId: ContainerId,
  /** Docker's own timestamp, nanosecond precision kept. */
  ts: Rfc3339Nano,
  stream: LogStream,
  // N bytes of UTF-8 are never more than N UTF-16 units; the marker is added after the cut.
  text: z.string().max(LIMITS.logLineBytes + LOG_MARKER_CHARS),
  /** The line was longer than LIMITS.logLineBytes: `text` is its start and ends with `logCutMarker`. */
  truncated: z.boolean(),
});
export type LogLine = z.infer<typeof LogLine>;

/**
 * Why log lines are missing: `rate_limit` — refused by the per-container rate of agents before
 * protocol 1's backpressure (they read more slowly now); `rotated` — Docker rotated them out of
 * its log file (`--log-opt max-size/max-file`) before the agent read them.
 */
export const LogDropReason = z.enum(["rate_limit", "rotated"]);
export type LogDropReason = z.infer<typeof LogDropReason>;

/** Lines a container wrote that will never reach the server, between `from` and `to` (Docker's times, ms). */
export const LogDrop = z.object({
  containerId: ContainerId,
  /**
   * How many lines; null (added in protocol 1) when nobody can tell: Docker's API does not say how
   * many lines a deleted log file held, only that the stream resumes after a jump.
   */
  count: z.number().int().positive().nullable(),
  from: EpochMs,
  to: EpochMs,
  /** Added in protocol 1 (optional: an agent that omits it means `rate_limit`, the only reason before). */
  reason: LogDropReason.optional(),
});
export type LogDrop = z.infer<typeof LogDrop>;

/**
 * A container whose log the agent reads behind the container's writing (the per-container rate,
 * CROWSNEST_LOG_RATE, holds it back): `behindMs` is the agent's clock minus the Docker timestamp
 * of the last line read, when measured; 0 says it has caught up. Added in protocol 1.
 */
export const LogLag = z.object({
  containerId: ContainerId,
  behindMs: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type LogLag = z.infer<typeof LogLag>;
