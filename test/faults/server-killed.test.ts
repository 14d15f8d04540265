import type { MetricsResponse } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerLogLines, numberedLinesScript, runTestContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { recordFigure } from "../support/figures.ts";
import { waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

describe("the server killed with SIGKILL mid-stream", () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await Rig.start("crowsnest.test=faults-server-killed");
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it("stores every line a 500 lines/s container wrote exactly once, and no metric sample twice", async () => {
    const { server } = rig;
    const { hostId, agent } = await rig.addAgent("fault-host");
    const containerId = await runTestContainer(rig.label, numberedLinesScript(500));

    let api = await rig.admin();
    await waitFor(
      () => `the first lines to be stored\n${agent.output}\n${server.process.output}`,
      async () => (await api.allLogLines(hostId, containerId)).length > 500,
      30_000,
      500,
    );

    await server.process.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 10_000));
    await server.restart();
    await new Promise((r) => setTimeout(r, 5_000));
    await docker("kill", containerId);
    const written = await dockerLogLines(containerId);

    api = await rig.admin();
    const stored = await waitFor(
      () => `all ${written.length} lines to be stored\n${agent.output}`,
      async () => {
        const lines = await api.allLogLines(hostId, containerId);
        return lines.length >= written.length ? lines : null;
      },
      90_000,
      1_000,
    );

    recordFigure("server SIGKILL for 10 s", {
      linesWritten: written.length,
      linesStored: stored.length,
      distinctStored: new Set(stored.map((line) => line.text)).size,
    });
    expect(written.length).toBeGreaterThan(5_000);
    const storedTexts = stored.map((line) => line.text);
    expect(new Set(storedTexts).size).toBe(storedTexts.length);
    expect(storedTexts).toEqual(written);

    const metrics = await api.get<MetricsResponse>(
      `/api/hosts/${hostId}/containers/${containerId}/metrics?from=${Date.now() - 10 * 60_000}&to=${Date.now()}`,
    );
    expect(metrics.resolution).toBe("raw");
    expect(metrics.points.length).toBeGreaterThan(5);
    const times = metrics.points.map((p) => p.t);
    expect(new Set(times).size).toBe(times.length);
  }, 240_000);
});
