/**
 * The cgroup collector keeps each container's files open between samples: a container that
 * restarts (new process, new cgroup files) is read afresh, one that goes leaves no descriptor behind.
 */
import { readdirSync } from "node:fs";
import os from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import type { TrackedContainer } from "../src/inventory/inventory.ts";
import { createLogger } from "../src/logger.ts";
import { CgroupCollector, detectCgroupVersion } from "../src/metrics/cgroup-collector.ts";
import { docker, removeTestContainers, runContainer } from "./helpers/docker.ts";

async function tracked(id: string): Promise<TrackedContainer> {
  const pid = Number(await docker("inspect", "--format", "{{.State.Pid}}", id));
  return { info: { id, state: "running" } as TrackedContainer["info"], pid, hostNetwork: false };
}

const openDescriptors = () => readdirSync("/proc/self/fd").length;

describe("cgroup files kept open", () => {
  afterAll(removeTestContainers);

  it("re-reads through kept descriptors, follows a restart and closes a removed container's", async () => {
    const version = await detectCgroupVersion("/sys/fs/cgroup");
    if (version === null) throw new Error("/sys/fs/cgroup is not readable on this machine");
    const collector = new CgroupCollector({
      version,
      onlineCpus: os.cpus().length,
      machineMemory: os.totalmem(),
      log: createLogger("error"),
    });
    const before = openDescriptors();
    const id = await runContainer({ command: ["sleep", "1000"] });
    let container = await tracked(id);
    expect(await collector.collect([container])).toEqual([]); // the first round only sets the CPU baseline
    expect((await collector.collect([container]))[0]?.pids).toBe(1);
    const kept = openDescriptors();
    expect(kept).toBeGreaterThan(before);
    const [sample] = await collector.collect([container]);
    expect(sample?.pids).toBe(1);
    expect(openDescriptors()).toBe(kept); // nothing opened again

    await docker("restart", "-t", "0", id);
    container = await tracked(id);
    expect(await collector.collect([container])).toEqual([]);
    const [afterRestart] = await collector.collect([container]);
    expect(afterRestart?.pids).toBe(1);
    expect(afterRestart?.memUsedBytes).toBeGreaterThan(0);
    expect(openDescriptors()).toBe(kept);

    // Removed while the inventory still lists it: the read fails, the container's descriptors close.
    await docker("rm", "-f", id);
    expect(await collector.collect([container])).toEqual([]);
    expect(await collector.collect([])).toEqual([]);
    collector.close();
    expect(openDescriptors()).toBe(before);
  });
});
