import { removeLabelled, runTestContainer } from "../../test/support/containers.ts";
import { docker } from "../../test/support/docker-cli.ts";

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

/** Starts idle (sleeping) bench containers until `count` are running, ten at a time. */
export async function ensureIdleContainers(count: number): Promise<string[]> {
  for (let have = (await benchContainerIds()).length; have < count; have += 10) {
    const batch = Math.min(10, count - have);
    await Promise.all(
      Array.from({ length: batch }, () => runTestContainer(BENCH_LABEL, "exec sleep 1000000")),
    );
  }
  return benchContainerIds();
}

/** A container writing `script`'s output, labelled for cleanup. */
export function startBenchContainer(script: string): Promise<string> {
  return runTestContainer(BENCH_LABEL, script);
}

export function removeBenchContainers(): Promise<void> {
  return removeLabelled(BENCH_LABEL);
}
