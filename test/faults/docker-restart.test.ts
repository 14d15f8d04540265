import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerLogLines, numberedLinesScript, runTestContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { recordFigure } from "../support/figures.ts";
import { ROOT, waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

const LABEL = "crowsnest.test=faults-docker-restart";

/** Stops dockerd (its containers stop with it) and starts it again the way the test machine does. */
async function restartDockerEngine(): Promise<void> {
  const pid = execFileSync("pidof", ["dockerd"], { encoding: "utf8" }).trim();
  process.kill(Number(pid), "SIGTERM");
  await waitFor(
    "dockerd to stop",
    async () => {
      try {
        process.kill(Number(pid), 0);
        return false;
      } catch {
        return true;
      }
    },
    60_000,
  );
  execFileSync("bash", [join(ROOT, "scripts", "test-env.sh")], { stdio: "ignore" });
}

describe("the Docker Engine restarted while the agent runs", () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start(LABEL);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it("reconnects to Docker, keeps following the restarted container, and sees new ones", async () => {
    const { hostId, agent } = await rig.addAgent("dockerd-host");
    const api = await rig.admin();
    const survivor = await runTestContainer(LABEL, numberedLinesScript(100), ["--restart", "always"]);
    await waitFor(
      "lines before the restart",
      async () => (await api.allLogLines(hostId, survivor)).length > 50,
    );

    await restartDockerEngine();
    await waitFor(
      "the container to run again",
      async () => (await docker("inspect", "-f", "{{.State.Running}}", survivor)).trim() === "true",
      60_000,
    );
    const newcomer = await runTestContainer(LABEL, "echo born-after-restart; sleep 60");
    await new Promise((r) => setTimeout(r, 3_000));
    await docker("update", "--restart", "no", survivor);
    await docker("kill", survivor);
    const written = await dockerLogLines(survivor);

    const stored = await waitFor(
      () => `all ${written.length} lines of the survivor\n${agent.output}`,
      async () => {
        const lines = await api.allLogLines(hostId, survivor);
        return lines.length >= written.length ? lines.map((l) => l.text) : null;
      },
      90_000,
      1_000,
    );
    const newcomerLines = await waitFor(
      "the newcomer's line",
      async () => {
        const lines = await api.allLogLines(hostId, newcomer);
        return lines.length > 0 ? lines.map((l) => l.text) : null;
      },
      60_000,
      1_000,
    );
    recordFigure("dockerd restart", { linesWritten: written.length, linesStored: stored.length });
    expect(stored).toEqual(written);
    expect(newcomerLines).toEqual(["born-after-restart"]);
    expect(agent.running).toBe(true);
  }, 300_000);
});
