import type { MetricSample } from "@crowsnest/protocol/agent";
import type { EngineStats } from "../docker/answers.ts";
import { cpuPercent, memoryLimit, memoryUsed, nonNegativeInt } from "./calculations.ts";

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
