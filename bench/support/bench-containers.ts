import { removeLabelled, runTestContainer } from "../../test/support/containers.ts";
import { docker } from "../../test/support/docker-cli.ts";
import { waitFor } from "../../test/support/processes.ts";

/** Every container the harness makes carries this label; cleanup removes by it and nothing else. */
export const BENCH_LABEL = "crowsnest.bench=1";

export async function benchContainerIds(): Promise<string[]> {
  return (await docker("ps", "-q", "--no-trunc", "--filter", `label=${BENCH_LABEL}`))
    .split("\n")
    .filter(Boolean);
}

/** Running containers this harness did not make (other users of a shared Engine). */
export async function otherRunningContainers(): Promise<number> {
  const all = (await docker("ps", "-q")).split("\n").filter(Boolean).length;
  return all - (await benchContainerIds()).length;
}

/**
 * Starts idle (sleeping) bench containers until `count` are running, ten at a time; after a
 * dockerd restart (which stops them) it starts new ones, retrying while the daemon is down.
 */
export async function ensureIdleContainers(count: number): Promise<string[]> {
  return waitFor(
    `${count} idle bench containers`,
    async () => {
      await startIdleContainers(count);
      const ids = await benchContainerIds();
      return ids.length >= count && ids;
    },
    120_000,
    1_000,
  );
}

async function startIdleContainers(count: number): Promise<void> {
  for (let have = (await benchContainerIds()).length; have < count; have += 10) {
    const batch = Math.min(10, count - have);
    await Promise.all(
      Array.from({ length: batch }, () => runTestContainer(BENCH_LABEL, "exec sleep 1000000")),
    );
  }
}

/** A container writing `script`'s output, labelled for cleanup. */
export function startBenchContainer(script: string): Promise<string> {
  return runTestContainer(BENCH_LABEL, script);
}

/**
 * Removes every bench container. Other suites on a shared machine restart dockerd (the fault
 * tests do): while it is down, this keeps trying for a minute rather than leave containers behind.
 */
export async function removeBenchContainers(): Promise<void> {
  await waitFor(
    "the Docker Engine to remove the bench containers",
    async () => {
      await removeLabelled(BENCH_LABEL);
      return true;
    },
    60_000,
    1_000,
  );
}
