import { docker, TEST_IMAGE } from "./docker-cli.ts";

/**
 * A container from the local busybox image: never pulled, always labelled for cleanup, and not
 * networked unless `network` is `host` (the host's network namespace, `docker run --network host`).
 */
export interface ContainerSpec {
  label: string;
  network?: "none" | "host";
  args?: string[];
  command: string[];
}

function specArgs(spec: ContainerSpec): string[] {
  return [
    "--pull",
    "never",
    "--network",
    spec.network ?? "none",
    "--label",
    spec.label,
    ...(spec.args ?? []),
    TEST_IMAGE,
    ...spec.command,
  ];
}

/** Starts the container and returns its full id. */
export async function runContainer(spec: ContainerSpec): Promise<string> {
  return docker("run", "-d", ...specArgs(spec));
}

/** Creates the container without starting it and returns its full id. */
export async function createContainer(spec: ContainerSpec): Promise<string> {
  return docker("create", ...specArgs(spec));
}

/** Starts a container running a shell script and returns its full id. */
export async function runTestContainer(label: string, script: string, extra: string[] = []): Promise<string> {
  return runContainer({ label, args: extra, command: ["sh", "-c", script] });
}

/**
 * Containers removed by one `docker rm -f` call, which removes all it is given at once (up to 50 in
 * parallel, docker/cli's parallelOperation). About 100 removals at once, from two such calls, left
 * this machine's dockerd 20.10 deadlocked in libnetwork (releaseNetwork, every later removal and
 * `docker info` blocked; 2026-12-01), so tests and benches remove a few at a time.
 */
const REMOVED_AT_ONCE = 10;

/** Removes every container carrying the label, and only those, REMOVED_AT_ONCE at a time. */
export async function removeLabelled(label: string): Promise<void> {
  const ids = (await docker("ps", "-aq", "--filter", `label=${label}`)).split("\n").filter(Boolean);
  for (let i = 0; i < ids.length; i += REMOVED_AT_ONCE) {
    await docker("rm", "-f", ...ids.slice(i, i + REMOVED_AT_ONCE));
  }
}

/** A shell loop writing numbered lines "L 1", "L 2", ... at about `perSecond` lines a second, in 10 bursts. */
export function numberedLinesScript(perSecond: number): string {
  const burst = Math.max(1, Math.round(perSecond / 10));
  return `i=0; while :; do j=0; while [ $j -lt ${burst} ]; do i=$((i+1)); j=$((j+1)); echo "L $i"; done; usleep 100000; done`;
}

/** Every stdout line `docker logs` has for the container: the ground truth to compare against. */
export async function dockerLogLines(id: string): Promise<string[]> {
  return (await docker("logs", id)).split("\n").filter((line) => line !== "");
}
