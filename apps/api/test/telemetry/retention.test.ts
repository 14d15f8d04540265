import type { LogsResponse, MetricsResponse } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { containerInfo, logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** What the store holds of one container, read through the Store contract. */
async function stored(server: TelemetryServer, hostId: string, containerId: string) {
  const range = { hostId, containerId, from: 0, to: Date.now() + DAY };
  const logs = await server.store.logs.query({
    hostId,
    containerId,
    from: msToTs(0),
    to: msToTsEnd(range.to),
    words: null,
    stream: null,
    limit: 1_000,
    before: null,
  });
  return {
    samples: (await server.store.metrics.raw(range)).length,
    rollups: (await server.store.metrics.rollups(range)).length,
    lines: logs.lines.length,
  };
}

describe("retention (real server and SQLite file)", () => {
  let server: TelemetryServer;
  beforeAll(async () => {
    // Small batches, so that the sweep's batching is exercised; a 4 KiB log cap per host.
    server = await TelemetryServer.start({
      CROWSNEST_RETENTION_BATCH_ROWS: "7",
      CROWSNEST_RETENTION_LOG_BYTES_PER_HOST: "4096",
    });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("removes expired raw samples, rollups and log lines, and nothing else", async () => {
    const { token, hostId } = await server.addHost("old-and-new");
    const id = newContainerId();
    const agent = await SimAgent.connect(server.agentUrl, token, { containers: [containerInfo(id, "c")] });
    const now = Date.now();
    const at = (age: number) => now - age;
    // Raw samples: 30 past the 24 h limit, 20 inside it. Rollups follow the samples' minutes.
    const oldSamples = Array.from({ length: 30 }, (_, i) => metricSample(id, at(25 * HOUR + i * MINUTE)));
    const newSamples = Array.from({ length: 20 }, (_, i) => metricSample(id, at(i * MINUTE + 1)));
    await agent.send({ type: "metrics", samples: [...oldSamples, ...newSamples] }).acked;
    // Samples past the rollups' 30 days, written when they were new: arriving today, they would lie
    // outside the store's time window and not be stored at all.
    const ancient = Array.from({ length: 10 }, (_, i) => metricSample(id, at(31 * DAY + i * MINUTE)));
    await server.store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: at(31 * DAY),
        message: { type: "metrics", incarnation: "a month ago", seq: 1, samples: ancient },
      },
    ]);
    // Log lines: 12 older than 7 days, 5 recent (short, so the per-host cap is not reached).
    const oldLines = Array.from({ length: 12 }, (_, i) => logLine(id, at(8 * DAY + i), `old ${i}`));
    const newLines = Array.from({ length: 5 }, (_, i) => logLine(id, at(HOUR + i), `new ${i}`));
    await agent.send({ type: "logs", lines: [...oldLines, ...newLines], drops: [] }).acked;
    await agent.close();
    expect(await stored(server, hostId, id)).toEqual({ samples: 60, rollups: 60, lines: 17 });

    const swept = await server.server.retention.sweep(now);
    expect(swept).toMatchObject({ rawMetrics: 40, rollups: 10, logsExpired: 12, logsOverCap: 0 });
    expect(await stored(server, hostId, id)).toEqual({ samples: 20, rollups: 50, lines: 5 });

    const raw = await server.get<MetricsResponse>(
      `/api/hosts/${hostId}/containers/${id}/metrics?from=${at(HOUR)}`,
    );
    expect(raw.body.points.map((p) => p.t)).toEqual(newSamples.map((s) => s.t).reverse());
    const logs = await server.get<LogsResponse>(`/api/hosts/${hostId}/containers/${id}/logs`);
    expect(logs.body.lines.map((l) => l.text)).toEqual(["new 4", "new 3", "new 2", "new 1", "new 0"]);
    // The full-text index follows the deletions.
    const search = await server.get<LogsResponse>(`/api/hosts/${hostId}/containers/${id}/logs?q=old`);
    expect(search.body.lines).toEqual([]);

    // A second sweep finds nothing more to delete.
    expect(await server.server.retention.sweep(now)).toMatchObject({
      rawMetrics: 0,
      rollups: 0,
      logsExpired: 0,
    });
  });

  it("trims a host's oldest log lines past the size cap, leaving other hosts alone", async () => {
    const big = await server.addHost("chatty");
    const small = await server.addHost("quiet");
    const id = newContainerId();
    const now = Date.now();
    const chatty = await SimAgent.connect(server.agentUrl, big.token, {
      containers: [containerInfo(id, "c")],
    });
    // 40 lines of 200 bytes = 8,000 bytes against a 4,096-byte cap.
    const lines = Array.from({ length: 40 }, (_, i) =>
      logLine(id, now - 40_000 + i * 1_000, `${String(i).padStart(3, "0")}${"x".repeat(197)}`),
    );
    await chatty.send({ type: "logs", lines, drops: [] }).acked;
    const quiet = await SimAgent.connect(server.agentUrl, small.token, {
      containers: [containerInfo(id, "c")],
    });
    await quiet.send({ type: "logs", lines: [logLine(id, now - 50_000, "quiet line")], drops: [] }).acked;

    const swept = await server.server.retention.sweep(now);
    expect(swept.logsOverCap).toBe(20);
    const kept = await server.get<LogsResponse>(`/api/hosts/${big.hostId}/containers/${id}/logs?limit=100`);
    expect(kept.body.lines.map((l) => l.text.slice(0, 3))).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 20).padStart(3, "0")),
    );
    const other = await server.get<LogsResponse>(`/api/hosts/${small.hostId}/containers/${id}/logs`);
    expect(other.body.lines.map((l) => l.text)).toEqual(["quiet line"]);
    await chatty.close();
    await quiet.close();
  });
});
