/**
 * The Docker CLI's arithmetic (cli/command/container/stats_helpers.go), shared by both
 * collectors so that they cannot drift apart.
 */

/** calculateCPUPercentUnix: container CPU time over host CPU time, scaled so 100 % is one core. */
export function cpuPercent(cpuDeltaNs: number, systemDeltaNs: number, onlineCpus: number): number {
  if (cpuDeltaNs <= 0 || systemDeltaNs <= 0) return 0;
  return (cpuDeltaNs / systemDeltaNs) * onlineCpus * 100;
}

/** calculateMemUsageUnixNoCache: usage minus inactive file cache (total_inactive_file on v1). */
export function memoryUsed(usage: number, stats: Readonly<Record<string, number>>): number {
  const v1 = stats.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file;
  if (v2 !== undefined && v2 < usage) return usage - v2;
  return usage;
}

/** The daemon reports an unlimited container's limit as the machine's memory. */
export function memoryLimit(limit: number | null, machineMemory: number): number {
  return limit === null || limit > machineMemory ? machineMemory : limit;
}

export function nonNegativeInt(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
