import {
  CLOSE_CODES,
  type Host,
  LIMITS,
  type LogsResponse,
  type MetricsResponse,
  PROTOCOL_VERSION,
} from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerInfo, logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

describe("/ws/agent ingest (protocol-level agents, real server)", () => {
  let server: TelemetryServer;
  beforeAll(async () => {
    server = await TelemetryServer.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("stores a batch sent twice only once, and acks it both times", async () => {
    const { token, hostId } = await server.addHost("twice");
    const id = newContainerId();
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "twice")],
    });
    const t = Date.now();
    const body = {
      type: "logs" as const,
      lines: [logLine(id, t, "only-once-marker")],
      drops: [],
    };
    const metrics = { type: "metrics" as const, samples: [metricSample(id, t)] };
    const first = agent.send(body);
    await first.acked;
    await agent.sendWithSeq(first.seq, body); // the resend after a lost ack
    const m = agent.send(metrics);
    await m.acked;
    await agent.sendWithSeq(m.seq, metrics);
    await agent.close();

    // A reconnect resends the same seq again: still stored once.
    const again = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "twice")],
    });
    await again.sendWithSeq(first.seq, body);
    await again.close();

    const logs = await server.get<LogsResponse>(`/api/hosts/${hostId}/containers/${id}/logs`);
    expect(logs.body.lines.map((l) => l.text)).toEqual(["only-once-marker"]);
    const points = await server.get<MetricsResponse>(`/api/hosts/${hostId}/containers/${id}/metrics`);
    expect(points.body.points).toHaveLength(1);
    expect(server.server.ctx.counters.duplicateBatches).toBeGreaterThanOrEqual(3);
  });

  it("tells a reconnecting agent the highest seq it stored, so that a reset agent continues above it", async () => {
    const { token } = await server.addHost("reset");
    const fresh = await SimAgent.open(server.agentUrl, token);
    expect((await fresh.hello()).lastStoredSeq).toBeNull();
    for (let i = 0; i < 3; i++) await fresh.send({ type: "metrics", samples: [] }).acked;
    await fresh.close();
    const again = await SimAgent.open(server.agentUrl, token);
    expect((await again.hello()).lastStoredSeq).toBe(3);
    await again.close();
  });

  it("answers malformed, unknown and invalid frames with errors and keeps the socket and other agents working", async () => {
    const bad = await SimAgent.connect(server.agentUrl, (await server.addHost("bad")).token);
    const goodHost = await server.addHost("good");
    const good = await SimAgent.connect(server.agentUrl, goodHost.token);
    const errors = () => bad.received.filter((m) => m.type === "error");

    bad.sendRaw("{not json");
    bad.sendRaw(JSON.stringify({ type: "self_destruct" }));
    bad.sendRaw(JSON.stringify({ type: "metrics", seq: 1, samples: [{ containerId: "short" }] }));
    bad.sendRaw(Buffer.from([0xff, 0xfe, 0x7b]));
    bad.sendRaw(`{"type":"hello","x":${"[".repeat(100)}${"]".repeat(100)}}`);
    await expect.poll(() => errors().length).toBe(5);
    expect(errors().map((e) => (e.type === "error" ? e.code : null))).toEqual(Array(5).fill("bad_frame"));
    expect(errors().map((e) => (e.type === "error" ? e.message : ""))).toEqual([
      expect.stringContaining("not JSON"),
      expect.stringContaining("unknown message type"),
      expect.stringContaining("samples.0"),
      expect.stringContaining("UTF-8"),
      expect.stringContaining("nesting"),
    ]);

    // The same socket still works after the bad frames.
    const id = newContainerId();
    await bad.send({ type: "metrics", samples: [metricSample(id, Date.now())] }).acked;

    // An oversized frame closes that socket only (1009), the other agent is unaffected.
    bad.sendRaw("x".repeat(LIMITS.agentFrameBytes + 1));
    expect((await bad.closed).code).toBe(1009);
    await good.send({ type: "metrics", samples: [metricSample(id, Date.now())] }).acked;
    const health = await server.get<{ status: string }>("/api/health");
    expect(health.body.status).toBe("ok");
    expect(server.server.ctx.counters.rejectedFrames).toBeGreaterThanOrEqual(5);
    await good.close();
  });

  it("refuses an upgrade without a valid bearer token before reading any message", async () => {
    await expect(SimAgent.open(server.agentUrl, "not-a-token")).rejects.toThrow("upgrade refused: 401");
  });

  it("closes a connection whose hello has another protocol version, saying why", async () => {
    const agent = await SimAgent.open(server.agentUrl, (await server.addHost("old")).token);
    const error = agent.next((m) => m.type === "error");
    void agent.hello(undefined, PROTOCOL_VERSION + 1);
    expect(await error).toMatchObject({ code: "unsupported_version" });
    const closed = await agent.closed;
    expect(closed.code).toBe(CLOSE_CODES.unsupportedVersion);
    expect(closed.reason).toContain(`this server speaks ${PROTOCOL_VERSION}`);
  });

  it("takes a frame of exactly 4 MiB and closes the socket (1009) on one byte more", async () => {
    const agent = await SimAgent.connect(server.agentUrl, (await server.addHost("big")).token);
    const bystander = await SimAgent.connect(server.agentUrl, (await server.addHost("small")).token);
    // Within the limit the frame is read (and, not being JSON, answered with bad_frame).
    const answered = agent.next((m) => m.type === "error");
    agent.sendRaw(Buffer.alloc(LIMITS.agentFrameBytes, 0x20));
    expect(await answered).toMatchObject({ code: "bad_frame" });
    agent.sendRaw(Buffer.alloc(LIMITS.agentFrameBytes + 1, 0x20));
    expect((await agent.closed).code).toBe(1009);
    await bystander.send({ type: "metrics", samples: [] }).acked;
    await bystander.close();
  });

  it("closes a connection that sends data before hello", async () => {
    const agent = await SimAgent.open(server.agentUrl, (await server.addHost("rude")).token);
    agent.sendRaw(JSON.stringify({ type: "inventory", time: Date.now(), containers: [] }));
    expect((await agent.closed).code).toBe(CLOSE_CODES.protocolViolation);
  });

  it("keeps one live connection per host: a second one replaces the first", async () => {
    const { token, hostId } = await server.addHost("twin");
    const first = await SimAgent.connect(server.agentUrl, token);
    const second = await SimAgent.connect(server.agentUrl, token);
    expect((await first.closed).code).toBe(CLOSE_CODES.replaced);
    expect(server.server.ctx.agents.isOnline(hostId)).toBe(true);
    await second.send({ type: "metrics", samples: [] }).acked;
    await second.close();
    await expect.poll(() => server.server.ctx.agents.isOnline(hostId)).toBe(false);
  });

  it("marks a host offline with its last-seen time when its agent leaves", async () => {
    const { token, hostId } = await server.addHost("leaves");
    const agent = await SimAgent.connect(server.agentUrl, token);
    await expect.poll(async () => (await server.get<Host>(`/api/hosts/${hostId}`)).body.online).toBe(true);
    const before = Date.now();
    await agent.close();
    await expect.poll(async () => (await server.get<Host>(`/api/hosts/${hostId}`)).body.online).toBe(false);
    // Offline as its link is dropped; its last-seen time is stored through the write queue after.
    await expect
      .poll(async () => (await server.get<Host>(`/api/hosts/${hostId}`)).body.lastSeen)
      .toBeGreaterThanOrEqual(before);
    expect((await server.get<Host>(`/api/hosts/${hostId}`)).body.agentVersion).toBe("sim/1");
  });
});

describe("/ws/agent heartbeats", () => {
  it("drops an agent that stops answering pings", async () => {
    const server = await TelemetryServer.start({ CROWSNEST_HEARTBEAT_MS: "200" });
    try {
      const { token, hostId } = await server.addHost("hung");
      const hung = await SimAgent.connect(server.agentUrl, token, { autoPong: false });
      const healthy = await SimAgent.connect(server.agentUrl, (await server.addHost("fine")).token);
      expect((await hung.closed).code).toBe(1006);
      await expect.poll(() => server.server.ctx.agents.isOnline(hostId)).toBe(false);
      await healthy.send({ type: "metrics", samples: [] }).acked;
      await healthy.close();
    } finally {
      await server.dispose();
    }
  });
});
