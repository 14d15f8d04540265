import type { MetricSample } from "@crowsnest/protocol";
import { z } from "zod";
import { cpuPercent, memoryLimit, memoryUsed, nonNegativeInt } from "./calculations.ts";

const CpuStats = z.object({
  cpu_usage: z.object({ total_usage: z.number().default(0), percpu_usage: z.array(z.number()).nullish() }),
  system_cpu_usage: z.number().nullish(),
  online_cpus: z.number().nullish(),
});

/** One object of `GET /containers/{id}/stats`, cgroup v1 or v2, any Engine from 20.10 on. */
export const EngineStats = z.object({
  read: z.string(),
  cpu_stats: CpuStats,
  precpu_stats: CpuStats,
  memory_stats: z
    .object({
      usage: z.number().nullish(),
      limit: z.number().nullish(),
      stats: z.record(z.string(), z.number()).nullish(),
    })
    .default({}),
  networks: z.record(z.string(), z.object({ rx_bytes: z.number(), tx_bytes: z.number() })).nullish(),
  blkio_stats: z
    .object({
      io_service_bytes_recursive: z.array(z.object({ op: z.string(), value: z.number() })).nullish(),
    })
    .default({}),
  pids_stats: z.object({ current: z.number().nullish() }).default({}),
});
export type EngineStats = z.infer<typeof EngineStats>;

/**
 * A sample from one stats object, computed as the Docker CLI does; null for the first object
 * of a stream, whose `precpu_stats` is empty (there is no CPU rate yet).
 */
export function engineStatsToSample(
  containerId: string,
  stats: EngineStats,
  machineMemory: number,
): MetricSample | null {
  const pre = stats.precpu_stats;
  if (!pre.system_cpu_usage) return null;
  const cpu = stats.cpu_stats;
  const onlineCpus = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 1;
  const mem = stats.memory_stats;
  let rx = 0;
  let tx = 0;
  for (const network of Object.values(stats.networks ?? {})) {
    rx += network.rx_bytes;
    tx += network.tx_bytes;
  }
  let read = 0;
  let write = 0;
  for (const entry of stats.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = entry.op.toLowerCase();
    if (op === "read") read += entry.value;
    if (op === "write") write += entry.value;
  }
  return {
    containerId,
    t: Date.parse(stats.read) || Date.now(),
    cpuPercent: cpuPercent(
      cpu.cpu_usage.total_usage - pre.cpu_usage.total_usage,
      (cpu.system_cpu_usage ?? 0) - pre.system_cpu_usage,
      onlineCpus,
    ),
    onlineCpus,
    memUsedBytes: nonNegativeInt(memoryUsed(mem.usage ?? 0, mem.stats ?? {})),
    memLimitBytes: nonNegativeInt(memoryLimit(mem.limit ?? null, machineMemory)),
    netRxBytes: nonNegativeInt(rx),
    netTxBytes: nonNegativeInt(tx),
    blkReadBytes: nonNegativeInt(read),
    blkWriteBytes: nonNegativeInt(write),
    pids: nonNegativeInt(stats.pids_stats.current ?? 0),
  };
}
