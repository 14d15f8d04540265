import type { ContainerView } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { numberedLinesScript } from "../support/containers.ts";
import { TEST_IMAGE } from "../support/docker-cli.ts";
import { recordFigure } from "../support/figures.ts";
import { PrivateDockerd } from "../support/private-dockerd.ts";
import { waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

const LABEL = "crowsnest.test=faults-docker-restart";

describe("the Docker Engine restarted while the agent runs", () => {
  let rig: Rig;
  let dockerd: PrivateDockerd;

  beforeAll(async () => {
    // The Engine restarted is the test's own, so the shared one other tests use never stops.
    dockerd = await PrivateDockerd.start();
    rig = await Rig.start(LABEL);
  }, 120_000);

  afterAll(async () => {
    await rig?.stop();
    await dockerd?.destroy();
  }, 120_000);

  /** Starts a container on the test's own Engine and returns its full id. */
  const run = (script: string, extra: string[] = []): Promise<string> =>
    dockerd.docker(
      "run",
      "-d",
      "--pull",
      "never",
      "--network",
      "none",
      "--label",
      LABEL,
      ...extra,
      TEST_IMAGE,
      "sh",
      "-c",
      script,
    );
  const dockerLogLines = async (id: string): Promise<string[]> =>
    (await dockerd.docker("logs", id)).split("\n").filter((line) => line !== "");

  it("keeps following the restarted container, and lists and follows every container created after", async () => {
    const { hostId, agent } = await rig.addAgent("dockerd-host", { env: { DOCKER_HOST: dockerd.host } });
    const api = await rig.admin();
    const storedLines = async (id: string): Promise<string[]> =>
      (await api.allLogLines(hostId, id)).map((l) => l.text);
    const listed = async (id: string): Promise<boolean> =>
      (await api.get<ContainerView[]>(`/api/hosts/${hostId}/containers`)).some((c) => c.id === id);

    const survivor = await run(numberedLinesScript(100), ["--restart", "always"]);
    await waitFor("lines before the restart", async () => (await storedLines(survivor)).length > 50);
    // Events just before the stop, so that the agent's events position has several in its window.
    const shortLived = await run("echo short-lived");
    await waitFor("the short-lived container to be listed", () => listed(shortLived));

    await dockerd.stopDaemon();
    await dockerd.startDaemon();
    await waitFor(
      "the survivor to run again",
      async () => (await dockerd.docker("inspect", "-f", "{{.State.Running}}", survivor)) === "true",
      60_000,
    );

    // The first events of the restarted daemon are a new container's: none may be taken for a replay.
    const firstBorn = await run("seq 1 50");
    const secondBorn = await run("echo second-born");
    for (const [id, expected] of [
      [firstBorn, Array.from({ length: 50 }, (_, i) => String(i + 1))],
      [secondBorn, ["second-born"]],
    ] as const) {
      await waitFor(
        () => `${id} to be listed\n${agent.output}`,
        () => listed(id),
        60_000,
      );
      const lines = await waitFor(
        () => `${expected.length} lines of ${id}\n${agent.output}`,
        async () => {
          const stored = await storedLines(id);
          return stored.length >= expected.length ? stored : null;
        },
        60_000,
      );
      expect(lines).toEqual(expected);
      expect(lines).toEqual(await dockerLogLines(id));
    }

    await dockerd.docker("update", "--restart", "no", survivor);
    await dockerd.docker("kill", survivor);
    const written = await dockerLogLines(survivor);
    const stored = await waitFor(
      () => `all ${written.length} lines of the survivor\n${agent.output}`,
      async () => {
        const lines = await storedLines(survivor);
        return lines.length >= written.length ? lines : null;
      },
      90_000,
      1_000,
    );
    recordFigure("dockerd restart", {
      linesWritten: written.length,
      linesStored: stored.length,
      newContainerLinesStored: 50,
    });
    expect(stored).toEqual(written);
    expect(agent.running).toBe(true);
  }, 300_000);
});
