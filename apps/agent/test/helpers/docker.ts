import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

export const TEST_IMAGE = "crowsnest-test-busybox:latest";
export const TEST_LABEL = "crowsnest.test=agent";

/**
 * Integration tests need the real Engine. Locally they are skipped when it is missing;
 * with CI=true they run and fail, so a broken CI machine cannot pass by skipping.
 */
export const skipWithoutDocker = !existsSync("/var/run/docker.sock") && process.env.CI !== "true";

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** Starts a test container (never networked, always labelled so cleanup only touches ours); returns its full id. */
export async function runContainer(options: { args?: string[]; command: string[] }): Promise<string> {
  return docker(
    "run",
    "-d",
    "--network",
    "none",
    "--label",
    TEST_LABEL,
    ...(options.args ?? []),
    TEST_IMAGE,
    ...options.command,
  );
}

export async function createContainer(options: { args?: string[]; command: string[] }): Promise<string> {
  return docker(
    "create",
    "--network",
    "none",
    "--label",
    TEST_LABEL,
    ...(options.args ?? []),
    TEST_IMAGE,
    ...options.command,
  );
}

/** Removes every container carrying this suite's label, and only those. */
export async function removeTestContainers(): Promise<void> {
  const ids = (await docker("ps", "-aq", "--filter", `label=${TEST_LABEL}`)).split("\n").filter(Boolean);
  if (ids.length > 0) await docker("rm", "-f", ...ids);
}
