/**
 * A broken or hostile agent's times (red-team F2): samples and lines dated outside the store's
 * window (the longest retention back, a day ahead) are not stored, the rest of the batch is, and
 * an admin sees per host how many were refused on /api/health/details.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MetricsResponse } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerId, containerInfo, logLine, metricSample } from "../../apps/api/test/support/samples.ts";
import { SimAgent } from "../../apps/api/test/support/sim-agent.ts";
import { ApiClient } from "../support/api-client.ts";
import { ADMIN_PASSWORD, ServerProcess } from "../support/processes.ts";

const DAY = 86_400_000;

describe("an agent's samples and lines dated far outside now", () => {
  let dir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cn-agent-times-"));
    server = await ServerProcess.start({ dataDir: dir });
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("are refused and counted per host; the batch's other rows are stored", async () => {
    const { hostId, token } = await server.addHost("time-traveller");
    const id = containerId();
    const agent = await SimAgent.connect(server.agentUrl, token, { containers: [containerInfo(id, "web")] });
    const now = Date.now();
    const samples = [now, now + 3 * DAY, 8e15, now - 400 * DAY].map((t) => metricSample(id, t));
    await agent.send({ type: "metrics", samples }).acked;
    await agent.send({
      type: "logs",
      lines: [logLine(id, now, "today"), logLine(id, now + 3 * DAY, "in 3 days")],
      drops: [],
    }).acked;
    await agent.close();

    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const health = await admin.get<{ outsideWindow: Record<string, { samples: number; lines: number }> }>(
      "/api/health/details",
    );
    expect(health.outsideWindow[hostId]).toEqual({ samples: 3, lines: 1 });
    const metrics = await admin.get<MetricsResponse>(
      `/api/hosts/${hostId}/containers/${id}/metrics?from=${now - 3_600_000}&to=${now + 5 * DAY}`,
    );
    expect(metrics.points.map((p) => p.t)).toEqual([now]);
    expect((await admin.allLogLines(hostId, id)).map((l) => l.text)).toEqual(["today"]);
  });
});
