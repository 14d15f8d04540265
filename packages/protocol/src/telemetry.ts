import { z } from "zod";
import { ContainerId, EpochMs, Rfc3339Nano } from "./ids.ts";
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
  netRxBytes: Bytes,
  netTxBytes: Bytes,
  blkReadBytes: Bytes,
  blkWriteBytes: Bytes,
  pids: z.number().int().nonnegative(),
});
export type MetricSample = z.infer<typeof MetricSample>;

export const LogStream = z.enum(["stdout", "stderr"]);
export type LogStream = z.infer<typeof LogStream>;

export const LogLine = z.object({
  containerId: ContainerId,
  /** Docker's own timestamp, nanosecond precision kept. */
  ts: Rfc3339Nano,
  stream: LogStream,
  // 16 KiB of UTF-8 is never more than 16 Ki UTF-16 units; the marker is added after the cut.
  text: z.string().max(LIMITS.logLineBytes + 64),
  truncated: z.boolean(),
});
export type LogLine = z.infer<typeof LogLine>;

/** Lines a container wrote that the agent's rate limit refused. */
export const LogDrop = z.object({
  containerId: ContainerId,
  count: z.number().int().positive(),
  from: EpochMs,
  to: EpochMs,
});
export type LogDrop = z.infer<typeof LogDrop>;
