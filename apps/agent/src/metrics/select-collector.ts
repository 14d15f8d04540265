import os from "node:os";
import type { StatsSource } from "../config.ts";
import type { EngineContainerReads } from "../docker/engine.ts";
import type { Logger } from "../logger.ts";
import { ApiCollector } from "./api-collector.ts";
import { CgroupCollector, detectCgroupVersion } from "./cgroup-collector.ts";
import type { StatsCollector } from "./collector.ts";
import { OneShotCollector } from "./one-shot-collector.ts";

/** auto: the cgroup files when this process can read them (it runs on the host), else the Engine API. */
export async function selectCollector(
  source: StatsSource,
  engine: Pick<EngineContainerReads, "stats" | "statsOnce">,
  log: Logger,
  cgroupRoot = "/sys/fs/cgroup",
): Promise<StatsCollector> {
  const machineMemory = os.totalmem();
  if (source === "api-oneshot") {
    log.info("metrics from one-shot Engine stats requests");
    return new OneShotCollector({ engine, machineMemory, log });
  }
  if (source !== "api") {
    const version = await detectCgroupVersion(cgroupRoot);
    if (version !== null) {
      log.info("metrics from cgroup files", { cgroupVersion: version });
      return new CgroupCollector({ version, onlineCpus: os.cpus().length, machineMemory, log, cgroupRoot });
    }
    if (source === "cgroup") throw new Error(`--stats-source cgroup: ${cgroupRoot} is not readable`);
  }
  log.info("metrics from the Engine stats API");
  return new ApiCollector(engine, machineMemory, log);
}
