import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerView, LogsResponse, MetricsResponse, StoredLogLine } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dockerLogLines,
  numberedLinesScript,
  removeLabelled,
  runTestContainer,
} from "../../../../test/support/containers.ts";
import { docker, requireDockerEngine } from "../../../../test/support/docker-cli.ts";
import { type ManagedProcess, startAgent, waitFor } from "../../../../test/support/processes.ts";
import { LiveSocket, until } from "../support/live-socket.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

const LABEL = "crowsnest.test=api";
const INTERVAL_MS = 1_000;

/** Every log line of a container stored on the server, oldest first, following cursors. */
async function allStoredLines(server: TelemetryServer, hostId: string, id: string): Promise<StoredLogLine[]> {
  const lines: StoredLogLine[] = [];
  let cursor: string | null = "";
  while (cursor !== null) {
    const page: { body: LogsResponse } = await server.get<LogsResponse>(
      `/api/hosts/${hostId}/containers/${id}/logs?limit=1000${cursor ? `&cursor=${cursor}` : ""}`,
    );
    lines.unshift(...page.body.lines);
    cursor = page.body.nextCursor;
  }
  return lines;
}

describe("real agent, real server, real Docker Engine", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-api-e2e-"));
  let server: TelemetryServer;
  let agent: ManagedProcess | undefined;
  let hostId: string;
  let chatty: string;
  let quiet: string;

  beforeAll(async () => {
    await requireDockerEngine();
    await removeLabelled(LABEL);
    server = await TelemetryServer.start();
    const host = await server.addHost("e2e");
    hostId = host.hostId;
    chatty = await runTestContainer(LABEL, numberedLinesScript(20));
    quiet = await runTestContainer(LABEL, "trap 'exit 0' TERM; while :; do sleep 1; done");
    agent = startAgent({
      serverUrl: server.agentUrl,
      token: host.token,
      stateDir: join(dir, "agent"),
      intervalSeconds: INTERVAL_MS / 1000,
    });
    await waitFor(`the agent's inventory\n${agent.output}`, async () => {
      const res = await server.get<ContainerView[]>(`/api/hosts/${hostId}/containers`);
      return (
        res.status === 200 && res.body.some((c) => c.id === chatty) && res.body.some((c) => c.id === quiet)
      );
    });
  });

  afterAll(async () => {
    await agent?.kill();
    await server?.dispose();
    await removeLabelled(LABEL);
    rmSync(dir, { recursive: true, force: true });
  });

  it("relays a container's metrics and log lines to its subscriber within two intervals, and none to another's", async () => {
    const watchChatty = await LiveSocket.open(server.liveUrl);
    const watchQuiet = await LiveSocket.open(server.liveUrl);
    await watchChatty.subscribe({ kind: "container", hostId, containerId: chatty });
    await watchQuiet.subscribe({ kind: "container", hostId, containerId: quiet });
    const subscribedAt = Date.now();
    // Arrival time of every sample and line, to compare with when Docker/the agent produced it.
    const latencies: number[] = [];
    watchChatty.ws.on("message", (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        type: string;
        samples?: { t: number }[];
        lines?: { ts: string }[];
      };
      const now = Date.now();
      for (const s of message.samples ?? []) if (s.t >= subscribedAt) latencies.push(now - s.t);
      for (const l of message.lines ?? []) {
        const t = Date.parse(l.ts);
        if (t >= subscribedAt) latencies.push(now - t);
      }
    });
    await until(
      () => watchChatty.of("metrics").length >= 3 && watchChatty.of("logs").length >= 3,
      "three metrics and three log messages",
      15_000,
    );
    expect(latencies.length).toBeGreaterThan(6);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(2 * INTERVAL_MS);
    expect(watchChatty.of("logs").flatMap((m) => m.lines.map((l) => l.containerId))).not.toContain(quiet);

    // The quiet container's watcher gets its own samples, never the chatty one's, and no log lines.
    await until(() => watchQuiet.of("metrics").length >= 2, "the quiet container's metrics");
    expect(new Set(watchQuiet.of("metrics").flatMap((m) => m.samples.map((s) => s.containerId)))).toEqual(
      new Set([quiet]),
    );
    expect(watchQuiet.of("logs")).toHaveLength(0);
    await watchChatty.close();
    await watchQuiet.close();

    // Afterwards the same data is in the history: metrics, logs, and a full-text hit.
    const metrics = await server.get<MetricsResponse>(`/api/hosts/${hostId}/containers/${chatty}/metrics`);
    expect(metrics.body.resolution).toBe("raw");
    expect(metrics.body.points.length).toBeGreaterThanOrEqual(3);
    expect(metrics.body.points.every((p) => p.memUsedBytes > 0 && p.pids >= 1)).toBe(true);
    const stored = await allStoredLines(server, hostId, chatty);
    const number = stored.at(-1)?.text.split(" ")[1];
    const hit = await server.get<LogsResponse>(
      `/api/hosts/${hostId}/containers/${chatty}/logs?q=${encodeURIComponent(`L ${number}`)}`,
    );
    expect(hit.body.lines.map((l) => l.text)).toContain(`L ${number}`);
  });

  it("loses no acknowledged line and stores none twice when the server restarts mid-stream", async () => {
    await until(async () => (await allStoredLines(server, hostId, chatty)).length > 20, "some lines stored");
    await server.restart();
    await waitFor("the agent back online", async () => server.server.ctx.agents.isOnline(hostId));
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
    await docker("stop", "-t", "1", chatty);
    const expected = await dockerLogLines(chatty);
    await waitFor(
      "every line Docker has to be stored",
      async () => (await allStoredLines(server, hostId, chatty)).length >= expected.length,
      30_000,
    );
    const stored = (await allStoredLines(server, hostId, chatty)).map((l) => l.text);
    expect(stored).toEqual(expected);
  });
});
