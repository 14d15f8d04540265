import { randomBytes } from "node:crypto";
import { runContainer } from "../../../../../test/support/containers.ts";
import { docker } from "../../../../../test/support/docker-cli.ts";

export { requireDockerEngine as requireDocker } from "../../../../../test/support/docker-cli.ts";
export { docker };

const TEST_LABEL = "crowsnest.test=auth";

/** Containers made by this test process; other runs (and other engineers' tests) keep theirs. */
const created = new Set<string>();

/**
 * A running busybox container that exits promptly on SIGTERM (PID 1 ignores signals it has no
 * handler for), so that stop and restart take a moment, not Docker's 10 s kill timeout. The name
 * gets a random suffix so that concurrent runs of the suite never collide. Returns id and name.
 */
export async function runTestContainer(
  baseName: string,
  labels: Record<string, string> = {},
): Promise<{ id: string; name: string }> {
  const name = `${baseName}-${randomBytes(3).toString("hex")}`;
  const labelArgs = Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  const id = await runContainer({
    label: TEST_LABEL,
    args: [...labelArgs, "--name", name],
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"],
  });
  created.add(id);
  return { id, name };
}

export type DockerState = "running" | "paused" | "exited" | "created" | "gone";

export async function containerState(id: string): Promise<DockerState> {
  try {
    return (await docker("inspect", "--format", "{{.State.Status}}", id)) as DockerState;
  } catch (err) {
    if (/No such (object|container)/i.test(String((err as { stderr?: string }).stderr))) return "gone";
    throw err;
  }
}

export async function startedAt(id: string): Promise<string> {
  return docker("inspect", "--format", "{{.State.StartedAt}}", id);
}

/** Removes the containers this process created, and only those. */
export async function removeTestContainers(): Promise<void> {
  const ids = [...created];
  created.clear();
  if (ids.length === 0) return;
  const present = (await docker("ps", "-aq", "--no-trunc", "--filter", `label=${TEST_LABEL}`)).split("\n");
  const toRemove = ids.filter((id) => present.includes(id));
  if (toRemove.length > 0) await docker("rm", "-f", ...toRemove);
}
