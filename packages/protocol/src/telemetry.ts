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
