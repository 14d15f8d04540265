import { LIMITS, type MetricsResponse, metricColumns, metricsColumnsBatchOf } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerInfo, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

describe("metrics batches as columns (metrics_columns) on /ws/agent, real server", () => {
  let server: TelemetryServer;
  beforeAll(async () => {
    server = await TelemetryServer.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("says so in the welcome, stores columns as the samples they hold, and takes a resend in either form for a duplicate", async () => {
    const { token, hostId } = await server.addHost("columns");
    const [a, b] = [newContainerId(), newContainerId()];
    const containers = [containerInfo(a, "a"), containerInfo(b, "b")];
    const agent = await SimAgent.open(server.agentUrl, token, { incarnation: "columns-run-0123456789" });
    expect((await agent.hello()).metricsColumns).toBe(true);
    agent.sendRaw(JSON.stringify({ type: "inventory", time: Date.now(), containers }));
    const t = Date.now() - 5_000;
    const samples = [
      metricSample(a, t, 12.5, 1_000),
      { ...metricSample(b, t, 50, 2_000), netRxBytes: null, netTxBytes: null },
      metricSample(a, t + 1_000, 25, 3_000),
    ];
    const frame = (seq: number) => ({ seq, incarnation: "columns-run-0123456789" });
    const rows = { type: "metrics" as const, ...frame(1), samples };
    agent.sendRaw(JSON.stringify(metricsColumnsBatchOf(rows)));
    await agent.next((m) => m.type === "ack" && m.seq === 1);
    // The same batch again as rows, then as columns: both acked, neither stored again.
    agent.sendRaw(JSON.stringify(rows));
    agent.sendRaw(JSON.stringify(metricsColumnsBatchOf(rows)));
    await expect.poll(() => agent.received.filter((m) => m.type === "ack" && m.seq === 1).length).toBe(3);
    await agent.close();
    expect(server.server.ctx.counters.duplicateBatches).toBeGreaterThanOrEqual(2);

    const points = async (id: string) =>
      (await server.get<MetricsResponse>(`/api/hosts/${hostId}/containers/${id}/metrics`)).body.points;
    expect((await points(a)).map((p) => [p.t, p.cpuPercent, p.memUsedBytes])).toEqual([
      [t, 12.5, 1_000],
      [t + 1_000, 25, 3_000],
    ]);
    expect((await points(b)).map((p) => [p.t, p.cpuPercent, p.netRxBytes])).toEqual([[t, 50, null]]);
  });

  it("refuses columns of unequal lengths, or a column past the batch limit, with a clear error and stores nothing", async () => {
    const { token, hostId } = await server.addHost("uneven");
    const id = newContainerId();
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "uneven")],
    });
    const columns = metricColumns([metricSample(id, Date.now()), metricSample(id, Date.now() + 1_000)]);
    agent.sendRaw(JSON.stringify({ type: "metrics_columns", seq: 1, columns: { ...columns, pids: [1] } }));
    const long = metricColumns(
      Array.from({ length: LIMITS.metricSamplesPerBatch + 1 }, (_, i) => metricSample(id, i + 1)),
    );
    agent.sendRaw(JSON.stringify({ type: "metrics_columns", seq: 2, columns: long }));
    await expect.poll(() => agent.received.filter((m) => m.type === "error").length).toBe(2);
    const [uneven, tooMany] = agent.received.filter((m) => m.type === "error");
    expect(uneven).toMatchObject({
      code: "bad_frame",
      message: expect.stringMatching(/as many values as containerId/),
    });
    expect(tooMany).toMatchObject({
      code: "bad_frame",
      message: expect.stringMatching(/columns\.containerId/),
    });
    // The socket still works: a good batch after them is stored.
    await agent.send({ type: "metrics", samples: [metricSample(id, Date.now() - 1_000)] }).acked;
    await agent.close();
    const stored = await server.get<MetricsResponse>(`/api/hosts/${hostId}/containers/${id}/metrics`);
    expect(stored.body.points).toHaveLength(1);
  });

  it("still stores rows from an agent before columns", async () => {
    const { token, hostId } = await server.addHost("rows");
    const id = newContainerId();
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "rows")],
      rowsOnly: true,
    });
    await agent.send({ type: "metrics", samples: [metricSample(id, Date.now() - 1_000, 33)] }).acked;
    await agent.close();
    const stored = await server.get<MetricsResponse>(`/api/hosts/${hostId}/containers/${id}/metrics`);
    expect(stored.body.points.map((p) => p.cpuPercent)).toEqual([33]);
  });
});
