import { docker, TEST_IMAGE } from "./docker-cli.ts";

/** Starts a container from the local busybox image (never pulled, no network) and returns its full id. */
export async function runTestContainer(label: string, script: string, extra: string[] = []): Promise<string> {
  const out = await docker(
    "run",
    "-d",
    "--pull",
    "never",
    "--network",
    "none",
    "--label",
    label,
    ...extra,
    TEST_IMAGE,
    "sh",
    "-c",
    script,
  );
  return out.trim();
}

/** Removes every container carrying the label, and only those. */
export async function removeLabelled(label: string): Promise<void> {
  const ids = (await docker("ps", "-aq", "--filter", `label=${label}`)).split("\n").filter(Boolean);
  if (ids.length > 0) await docker("rm", "-f", ...ids);
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
