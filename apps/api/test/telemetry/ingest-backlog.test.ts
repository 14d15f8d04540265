import { randomBytes } from "node:crypto";
import { CLOSE_CODES, type LogsResponse, type MetricsResponse } from "@crowsnest/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { controlStore } from "../support/control-store.ts";
import { LiveSocket, until } from "../support/live-socket.ts";
import {
  containerInfo,
  HOST_INFO,
  logLine,
  metricSample,
  containerId as newContainerId,
} from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

/**
 * The server's bound on what it holds for a store that falls behind (CROWSNEST_INGEST_BACKLOG_ROWS,
 * WriteQueue): once the rows waiting for storage reach it, no agent's socket is read, not only the
 * one that filled it, and every agent is read again once half are stored; nothing is lost.
 */
describe("ingest backlog bound (real server, protocol-level agents)", () => {
  let server: TelemetryServer;
  beforeAll(async () => {
    server = await TelemetryServer.start({ CROWSNEST_INGEST_BACKLOG_ROWS: "1000" });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it.each([
    ["600 samples", 600],
    ["one log line of 256,000 characters", 0],
  ])(
    "stops reading every agent while %s fill the backlog, and reads and stores it all after",
    async (_name, samples) => {
      const { filler, other, fillerId, otherId, a, b } = await twoAgents(server, `backlog-${samples}`);
      const browser = await LiveSocket.open(server.liveUrl);
      await browser.subscribe({ kind: "container", hostId: filler.hostId, containerId: fillerId });
      await browser.subscribe({ kind: "container", hostId: other.hostId, containerId: otherId });
      const lines = () => browser.of("logs").flatMap((f) => f.lines.map((l) => l.text));
      const store = controlStore(server);

      store.hold();
      const t = Date.now();
      const first = b.send({ type: "logs", lines: [logLine(otherId, t, "before the bound")], drops: [] });
      await until(() => lines().length === 1, "the line sent before the bound, relayed at once");
      // 600 samples weigh 1,201 rows, a line of 256,000 characters 1,001: past the bound of 1,000.
      // Relayed once read, as any batch.
      const full =
        samples > 0
          ? a.send({
              type: "metrics",
              samples: samplesFrom(fillerId, t - 599_000, samples),
            })
          : a.send({ type: "logs", lines: [logLine(fillerId, t, "x".repeat(256_000))], drops: [] });
      await until(
        () => browser.of(samples > 0 ? "metrics" : "logs").length > (samples > 0 ? 0 : 1),
        "the batch that fills the backlog, read",
      );
      // The other agent's next batch is not read while the store is held.
      const second = b.send({ type: "logs", lines: [logLine(otherId, t + 1, "while full")], drops: [] });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(lines().filter((l) => l.length < 100)).toEqual(["before the bound"]);

      store.release();
      await Promise.all([full.acked, first.acked, second.acked]);
      expect(lines().filter((l) => l.length < 100)).toEqual(["before the bound", "while full"]);
      const raw = await server.get<MetricsResponse>(
        `/api/hosts/${filler.hostId}/containers/${fillerId}/metrics?from=${t - 600_000}&to=${t}`,
      );
      expect(raw.body.points).toHaveLength(samples);
      const stored = await server.get<LogsResponse>(
        `/api/hosts/${filler.hostId}/containers/${fillerId}/logs`,
      );
      expect(stored.body.lines.map((l) => l.text.length)).toEqual(samples > 0 ? [] : [256_000]);
      await browser.close();
      await Promise.all([a.close(), b.close()]);
    },
  );
});

/**
 * A socket the server stopped reading cannot show it its pongs: while the backlog is full the
 * heartbeat must drop no agent, or every agent reconnects and sends again all it holds, on a store
 * that is already behind (a full backlog for one interval of 1 s closed up to 17 of 20 agents in
 * BENCHMARKS.md figure 3's long holds).
 */
describe("ingest backlog bound and the heartbeat (real server, protocol-level agents)", () => {
  const HEARTBEAT_MS = 200;
  let server: TelemetryServer;
  beforeAll(async () => {
    server = await TelemetryServer.start({
      CROWSNEST_INGEST_BACKLOG_ROWS: "1000",
      CROWSNEST_HEARTBEAT_MS: String(HEARTBEAT_MS),
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("drops no agent while the backlog stays full for many heartbeats, and stores all after", async () => {
    const { filler, fillerId, otherId, a, b } = await twoAgents(server, "backlog-heartbeat");
    let closes = 0;
    for (const agent of [a, b]) agent.ws.on("close", () => closes++);
    const store = controlStore(server);

    store.hold();
    const t = Date.now();
    const full = a.send({
      type: "metrics",
      samples: samplesFrom(fillerId, t - 599_000),
    });
    const waiting = b.send({ type: "logs", lines: [logLine(otherId, t, "while full")], drops: [] });
    // Ten heartbeat intervals with both sockets unread: before, each was dropped after two.
    await new Promise((resolve) => setTimeout(resolve, 10 * HEARTBEAT_MS));
    expect(closes).toBe(0);
    expect([a.ws.readyState, b.ws.readyState]).toEqual([a.ws.OPEN, b.ws.OPEN]);

    store.release();
    await Promise.all([full.acked, waiting.acked]);
    expect(closes).toBe(0);
    const raw = await server.get<MetricsResponse>(
      `/api/hosts/${filler.hostId}/containers/${fillerId}/metrics?from=${t - 600_000}&to=${t}`,
    );
    expect(raw.body.points).toHaveLength(600);
    await Promise.all([a.close(), b.close()]);
  });
  it("refuses a second agent on the credential of one it is not reading, rather than take that one for gone", async () => {
    const host = await server.addHost("backlog-clone");
    const id = newContainerId();
    const incarnation = () => randomBytes(16).toString("base64url");
    const original = await SimAgent.connect(server.agentUrl, host.token, {
      containers: [containerInfo(id, "a")],
      incarnation: incarnation(),
    });
    const store = controlStore(server);
    store.hold();
    const t = Date.now();
    const full = original.send({
      type: "metrics",
      samples: samplesFrom(id, t - 599_000),
    });
    await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_MS));
    // The original cannot answer the duplicate-agent probe while its socket is not read.
    const clone = await SimAgent.open(server.agentUrl, host.token, { incarnation: incarnation() });
    clone.sendHello({ ...HOST_INFO, hostname: "the-clone" });
    expect((await clone.closed).code).toBe(CLOSE_CODES.duplicateAgent);
    expect(original.ws.readyState).toBe(original.ws.OPEN);
    store.release();
    await full.acked;
    await original.close();
  });

  it("drops a hung agent while another keeps the backlog filling and draining every heartbeat", async () => {
    const { fillerId, a } = await twoAgents(server, "backlog-flapping");
    const hungHost = await server.addHost("backlog-flapping-hung");
    const hung = await SimAgent.connect(server.agentUrl, hungHost.token, { autoPong: false });
    let hungClosed = false;
    void hung.closed.then(() => {
      hungClosed = true;
    });
    const store = controlStore(server);
    const t0 = Date.now() - 30 * 600_000;
    // Each round the backlog is full for 30 ms of about 140: the hung agent is read most of the time.
    for (let round = 0; round < 20 && !hungClosed; round++) {
      store.hold();
      const sent = a.send({
        type: "metrics",
        samples: samplesFrom(fillerId, t0 + round * 600_000),
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      store.release();
      await sent.acked;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(hungClosed).toBe(true);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
    await a.close();
  });
});

/** `n` samples of a container a second apart from `from` (ms): 600 weigh 1,201 rows of the backlog. */
function samplesFrom(containerId: string, from: number, n = 600) {
  return Array.from({ length: n }, (_, i) => metricSample(containerId, from + i * 1_000));
}

/** Two hosts named after `name`, each with an agent connected that runs one container: `a` fills the backlog, `b` is another. */
async function twoAgents(server: TelemetryServer, name: string) {
  const filler = await server.addHost(`${name}-filler`);
  const other = await server.addHost(`${name}-other`);
  const fillerId = newContainerId();
  const otherId = newContainerId();
  const a = await SimAgent.connect(server.agentUrl, filler.token, {
    containers: [containerInfo(fillerId, "a")],
  });
  const b = await SimAgent.connect(server.agentUrl, other.token, {
    containers: [containerInfo(otherId, "b")],
  });
  return { filler, other, fillerId, otherId, a, b };
}
