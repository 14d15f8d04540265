import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const TEST_IMAGE = process.env.CROWSNEST_TEST_IMAGE ?? "crowsnest-test-busybox:latest";

/** Runs the Docker CLI with an argument array (never a shell string). */
export async function dockerOutput(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync("docker", args, { maxBuffer: 64 * 1024 * 1024 });
}

/** Runs the Docker CLI and returns its stdout without the trailing newline. */
export async function docker(...args: string[]): Promise<string> {
  return (await dockerOutput(...args)).stdout.trimEnd();
}

/**
 * Fails with a clear message when no Docker Engine answers. Tests never skip for lack of an
 * engine: `bash scripts/test-env.sh` prepares one.
 */
export async function requireDockerEngine(): Promise<void> {
  try {
    await docker("version", "--format", "{{json .Server.Version}}");
  } catch (err) {
    throw new Error(
      `No Docker Engine answers (${(err as Error).message.split("\n")[0]}). Run 'sudo bash scripts/test-env.sh' first.`,
    );
  }
}
