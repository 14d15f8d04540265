import type { ContainerView } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import { dockerLogLines, numberedLinesScript, runTestContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { recordFigure } from "../support/figures.ts";
import { type ManagedProcess, waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

const LABEL = "crowsnest.test=faults-agent";

describe("agent and container faults", () => {
  let rig: Rig;
  let agent: ManagedProcess;
  let api: ApiClient;
  let hostId: string;
  let token: string;
  let agentStateDir: string;

  beforeAll(async () => {
    rig = await Rig.start(LABEL);
    ({ hostId, token, agent, stateDir: agentStateDir } = await rig.addAgent("fault-agent-host"));
    api = await rig.admin();
  });

  afterAll(async () => {
    await rig?.stop();
  });

  async function storedTexts(containerId: string, atLeast: number): Promise<string[]> {
    await waitFor(
      () => `${atLeast} stored lines\n${agent.output}`,
      async () => {
        const stored = await api.allLogLines(hostId, containerId);
        return stored.length >= atLeast ? stored : null;
      },
      60_000,
      1_000,
    );
    // One more look after a pause: anything stored twice would show up now.
    await new Promise((r) => setTimeout(r, 2_000));
    return (await api.allLogLines(hostId, containerId)).map((line) => line.text);
  }

  it("loses and repeats nothing when the agent is killed with SIGKILL and restarted", async () => {
    const containerId = await runTestContainer(LABEL, numberedLinesScript(500));
    await waitFor("first lines", async () => (await api.allLogLines(hostId, containerId)).length > 200);
    await agent.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 3_000));
    // The credential is in the state dir now; the token is only for a first connection.
    agent = rig.restartAgent(token, agentStateDir);
    await new Promise((r) => setTimeout(r, 5_000));
    await docker("kill", containerId);
    const written = await dockerLogLines(containerId);
    const stored = await storedTexts(containerId, written.length);
    recordFigure("agent SIGKILL for 3 s", {
      linesWritten: written.length,
      linesStored: stored.length,
      distinctStored: new Set(stored).size,
    });
    expect(written.length).toBeGreaterThan(3_000);
    expect(stored).toEqual(written);
  }, 180_000);

  it("follows a container restarting in a crash loop, every run's lines stored once", async () => {
    const containerId = await runTestContainer(LABEL, 'echo "run at $(date +%s)"; sleep 1; exit 3', [
      "--restart",
      "always",
    ]);
    const view = await waitFor(
      "three restarts to be seen by the server",
      async () => {
        const container = await api.get<ContainerView>(`/api/hosts/${hostId}/containers/${containerId}`);
        return container.restartCount >= 3 ? container : null;
      },
      60_000,
      1_000,
    );
    await docker("update", "--restart", "no", containerId);
    await docker("kill", containerId).catch(() => undefined); // it may be between two runs
    await docker("wait", containerId);
    const written = await dockerLogLines(containerId);
    const stored = await storedTexts(containerId, written.length);
    recordFigure("crash loop", {
      restarts: view.restartCount,
      linesWritten: written.length,
      linesStored: stored.length,
    });
    expect(view.exitCode === 3 || view.state === "running" || view.state === "restarting").toBe(true);
    expect(stored).toEqual(written);
  }, 180_000);

  it("keeps working when a container is removed while being followed", async () => {
    const removed = await runTestContainer(LABEL, numberedLinesScript(100));
    await waitFor(
      "lines of the doomed container",
      async () => (await api.allLogLines(hostId, removed)).length > 50,
    );
    await docker("rm", "-f", removed);
    await waitFor(
      "the removal to reach the server",
      async () => {
        // A removed container is kept as a tombstone with its time of removal (its logs stay readable).
        const res = await fetch(`${rig.server.baseUrl}/api/hosts/${hostId}/containers/${removed}`, {
          headers: { cookie: api.cookie },
        });
        return res.status === 200 && ((await res.json()) as { removedAt: number | null }).removedAt !== null;
      },
      30_000,
    );
    const next = await runTestContainer(LABEL, "echo after-removal; sleep 60");
    const stored = await storedTexts(next, 1);
    expect(stored).toEqual(["after-removal"]);
    expect(agent.running).toBe(true);
  });
});
