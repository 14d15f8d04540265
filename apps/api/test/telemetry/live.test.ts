import { CLOSE_CODES } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { LiveSocket, until } from "../support/live-socket.ts";
import { containerInfo, logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

const BUFFER_LIMIT = 64 * 1024;

describe("/ws/live relay (protocol-level agents, real server, real sockets)", () => {
  let server: TelemetryServer;
  beforeAll(async () => {
    server = await TelemetryServer.start({
      CROWSNEST_LIVE_BUFFER_BYTES: String(BUFFER_LIMIT),
      CROWSNEST_LIVE_STUCK_MS: "60000",
      // A browser that does not read cannot answer pings either; keep the heartbeat out of this test.
      CROWSNEST_HEARTBEAT_MS: "60000",
    });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("relays an inventory in the order the agent sent it, so an event sent after it is not taken back", async () => {
    const { token, hostId } = await server.addHost("inventory-order");
    const id = newContainerId();
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "before")],
    });
    await until(
      async () => (await server.get<unknown[]>(`/api/hosts/${hostId}/containers`)).body.length === 1,
      "first inventory stored",
    );
    const watchHost = await LiveSocket.open(server.liveUrl);
    await watchHost.subscribe({ kind: "host", hostId });
    // What an agent sends once its event stream resynced: a snapshot, then an event newer than it.
    agent.sendRaw(
      JSON.stringify({ type: "inventory", time: Date.now(), containers: [containerInfo(id, "before")] }),
    );
    await agent.send({
      type: "events",
      events: [
        {
          containerId: id,
          action: "rename",
          time: Date.now(),
          exitCode: null,
          container: containerInfo(id, "after"),
        },
      ],
    }).acked;
    await until(
      () => watchHost.of("inventory").length === 1 && watchHost.of("event").length === 1,
      "the inventory and the event",
    );
    const order = watchHost.messages.flatMap((m) =>
      m.type === "inventory" || m.type === "event" ? [m.type] : [],
    );
    expect(order).toEqual(["inventory", "event"]);
    await watchHost.close();
    await agent.close();
  });

  it("sends a container's data only to sockets subscribed to it, and host subscribers get its summary", async () => {
    const { token, hostId } = await server.addHost("relay");
    const [a, b] = [newContainerId(), newContainerId()];
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(a, "a"), containerInfo(b, "b")],
    });
    // The agent's inventory stored, so relayed before any socket subscribes.
    await until(
      async () => (await server.get<unknown[]>(`/api/hosts/${hostId}/containers`)).body.length === 2,
      "inventory stored",
    );
    const watchA = await LiveSocket.open(server.liveUrl);
    const watchB = await LiveSocket.open(server.liveUrl);
    const watchHost = await LiveSocket.open(server.liveUrl);
    await watchA.subscribe({ kind: "container", hostId, containerId: a });
    await watchB.subscribe({ kind: "container", hostId, containerId: b });
    await watchHost.subscribe({ kind: "host", hostId });

    const t = Date.now();
    await agent.send({ type: "metrics", samples: [metricSample(a, t)] }).acked;
    await agent.send({ type: "logs", lines: [logLine(a, t, "for A only")], drops: [] }).acked;

    await until(() => watchA.of("logs").length === 1 && watchA.of("metrics").length === 1, "A's data");
    expect(watchA.of("logs")[0]?.lines.map((l) => l.text)).toEqual(["for A only"]);
    await until(() => watchHost.of("metrics").length === 1, "host summary metrics");
    expect(watchHost.of("logs")).toHaveLength(0);
    // No state follows `subscribed`: read from the store after it, it could be older than what was
    // relayed meanwhile. The page reads it from the REST API and applies what arrives live.
    expect(watchHost.of("inventory")).toHaveLength(0);

    // B sees nothing of A; once B's own data arrives, everything before it has been delivered too.
    await agent.send({ type: "metrics", samples: [metricSample(b, t)] }).acked;
    await until(() => watchB.of("metrics").length === 1, "B's data");
    expect(watchB.of("metrics").flatMap((m) => m.samples.map((s) => s.containerId))).toEqual([b]);
    expect(watchB.of("logs")).toHaveLength(0);

    // After unsubscribing, A gets nothing more.
    watchA.ws.send(
      JSON.stringify({ type: "unsubscribe", topic: { kind: "container", hostId, containerId: a } }),
    );
    await watchA.subscribe({ kind: "container", hostId, containerId: b });
    await agent.send({ type: "logs", lines: [logLine(a, t + 1, "after unsubscribe")], drops: [] }).acked;
    await agent.send({ type: "metrics", samples: [metricSample(b, t + 1)] }).acked;
    await until(() => watchA.of("metrics").length === 2, "A's socket gets B's sample");
    expect(watchA.of("logs")).toHaveLength(1);

    // Rate-limit drops reach the container's watchers as a gap with the count.
    await agent.send({ type: "logs", lines: [], drops: [{ containerId: b, count: 42, from: t, to: t + 1 }] })
      .acked;
    await until(() => watchB.of("gap").length === 1, "rate-limit gap");
    expect(watchB.of("gap")[0]).toMatchObject({ containerId: b, droppedLines: 42, reason: "rate_limit" });

    for (const s of [watchA, watchB, watchHost]) await s.close();
    await agent.close();
  });

  it("tells the fleet when a host goes online and offline", async () => {
    const { token, hostId } = await server.addHost("status");
    const fleet = await LiveSocket.open(server.liveUrl);
    await fleet.subscribe({ kind: "fleet" });
    const agent = await SimAgent.connect(server.agentUrl, token);
    await until(() => fleet.of("host_status").some((m) => m.hostId === hostId && m.online), "online");
    await agent.close();
    await until(() => fleet.of("host_status").some((m) => m.hostId === hostId && !m.online), "offline");
    await fleet.close();
  });

  it("answers a bad browser frame with an error and keeps the socket", async () => {
    const socket = await LiveSocket.open(server.liveUrl);
    socket.ws.send(
      JSON.stringify({ type: "subscribe", topic: { kind: "container", hostId: "x", containerId: "nope" } }),
    );
    await until(() => socket.of("error").length === 1, "error");
    expect(socket.of("error")[0]?.message).toContain("topic");
    await socket.subscribe({ kind: "fleet" });
    await socket.close();
  });

  it("takes at most 256 subscriptions per socket, and one freed makes room again", async () => {
    const socket = await LiveSocket.open(server.liveUrl);
    const topic = (n: number) => ({ kind: "host" as const, hostId: `h${n}` });
    for (let n = 0; n < 256; n++) await socket.subscribe(topic(n));
    socket.ws.send(JSON.stringify({ type: "subscribe", topic: topic(256) }));
    await until(() => socket.of("error").length === 1, "error");
    expect(socket.of("error")[0]).toMatchObject({
      code: "rate_limited",
      message: expect.stringContaining("256"),
    });
    socket.ws.send(JSON.stringify({ type: "unsubscribe", topic: topic(0) }));
    await socket.subscribe(topic(256));
    await socket.close();
  });

  it("bounds what a browser that never reads costs: metrics coalesce, log lines become one gap with the count", async () => {
    const { token, hostId } = await server.addHost("flood");
    const ids = Array.from({ length: 20 }, () => newContainerId());
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: ids.map((id, i) => containerInfo(id, `c${i}`)),
    });
    const stalled = await LiveSocket.open(server.liveUrl);
    await stalled.subscribe({ kind: "host", hostId });
    await stalled.subscribe({ kind: "container", hostId, containerId: ids[0] as string });
    const healthy = await LiveSocket.open(server.liveUrl);
    await healthy.subscribe({ kind: "container", hostId, containerId: ids[0] as string });
    // The browser stops reading: the kernel buffers fill, then the server's send buffer.
    const rawSocket = (stalled.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    rawSocket.pause();

    const text = "y".repeat(2_000);
    let peak = 0;
    let sentLines = 0;
    for (let round = 0; round < 40; round++) {
      const t = Date.now() + round;
      const lines = Array.from({ length: 200 }, (_, i) =>
        logLine(ids[0] as string, t, `${round}-${i} ${text}`),
      );
      sentLines += lines.length;
      await agent.send({ type: "logs", lines, drops: [] }).acked;
      await agent.send({ type: "metrics", samples: ids.map((id) => metricSample(id, t)) }).acked;
      const memory = server.server.ctx.hub.memory();
      peak = Math.max(peak, memory.bufferedBytes + memory.queuedBytes);
      expect(memory.coalescedSamples).toBeLessThanOrEqual(ids.length);
    }
    // ~16 MB went through the hub; the stalled socket held at most its threshold plus one message.
    expect(sentLines * text.length).toBeGreaterThan(15_000_000);
    expect(peak).toBeLessThan(BUFFER_LIMIT + 1_000_000);
    // The reading browser got every line.
    await until(
      () => healthy.of("logs").reduce((n, m) => n + m.lines.length, 0) === sentLines,
      "all lines",
      20_000,
    );

    // Reading again: the stalled socket learns how many lines it missed and gets the latest samples.
    rawSocket.resume();
    await until(() => stalled.of("gap").some((g) => g.reason === "slow_consumer"), "slow-consumer gap");
    const gap = stalled.of("gap").find((g) => g.reason === "slow_consumer");
    const received = stalled.of("logs").reduce((n, m) => n + m.lines.length, 0);
    expect((gap?.droppedLines ?? 0) + received).toBe(sentLines);

    for (const s of [stalled, healthy]) await s.close();
    await agent.close();
  });
});

describe("/ws/live stuck sockets", () => {
  it("closes a browser socket that stays above the buffer threshold too long", async () => {
    const server = await TelemetryServer.start({
      CROWSNEST_LIVE_BUFFER_BYTES: String(BUFFER_LIMIT),
      CROWSNEST_LIVE_STUCK_MS: "1000",
      CROWSNEST_HEARTBEAT_MS: "60000",
    });
    try {
      const { token, hostId } = await server.addHost("stuck");
      const id = newContainerId();
      const agent = await SimAgent.connect(server.agentUrl, token, {
        containers: [containerInfo(id, "stuck")],
      });
      const stuck = await LiveSocket.open(server.liveUrl);
      await stuck.subscribe({ kind: "container", hostId, containerId: id });
      const healthy = await LiveSocket.open(server.liveUrl);
      await healthy.subscribe({ kind: "container", hostId, containerId: id });
      const rawSocket = (stuck.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      rawSocket.pause();
      const text = "z".repeat(2_000);
      // The server's sockets are `ws` sockets in this process: watch what it closes, and with what code.
      const closes = vi.spyOn(WebSocket.prototype, "close");
      const flood = async () => {
        while (closes.mock.calls.length === 0) {
          const lines = Array.from({ length: 100 }, (_, i) => logLine(id, Date.now(), `${i} ${text}`));
          await agent.send({ type: "logs", lines, drops: [] }).acked;
        }
      };
      try {
        await Promise.race([
          flood(),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error("the stuck socket was not closed")), 20_000),
          ),
        ]);
        expect(closes.mock.calls).toEqual([[CLOSE_CODES.tooSlow, expect.stringMatching(/^too slow/)]]);
      } finally {
        closes.mockRestore();
      }
      // Reading again within the 2 s the server gives a closing peer, the stuck socket gets what
      // was buffered and then the close frame: "too slow", not a dropped connection.
      rawSocket.resume();
      expect(await stuck.closed).toMatchObject({
        code: CLOSE_CODES.tooSlow,
        reason: expect.stringMatching(/^too slow/),
      });
      await until(() => server.server.ctx.hub.memory().clients === 1, "the stuck socket to be forgotten");
      expect(healthy.ws.readyState).toBe(healthy.ws.OPEN);
      expect(server.server.ctx.hub.memory().clients).toBe(1);
      await healthy.close();
      await agent.close();
      stuck.ws.terminate();
    } finally {
      await server.dispose();
    }
  });
});
