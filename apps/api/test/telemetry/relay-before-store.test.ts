import { type LiveLogs, LiveOrder, type LogsResponse } from "@crowsnest/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { controlStore } from "../support/control-store.ts";
import { LiveSocket, until } from "../support/live-socket.ts";
import { containerInfo, logLine, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

const INCARNATION = "relay-before-store-run-1";

/** What a browser shows of `frames`: LiveOrder's verdicts, as the dashboard's live client judges them. */
function verdicts(frames: LiveLogs[]): string[] {
  const order = new LiveOrder();
  return frames.map((f) => order.check(LiveOrder.logsStream(f.hostId, f.containerId), f.batch, f.prev));
}

describe("live relay before storage (real server, protocol-level agent)", () => {
  let server: TelemetryServer;
  beforeAll(async () => {
    server = await TelemetryServer.start();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("relays a validated batch to a subscribed browser before it is stored and acked", async () => {
    const { token, hostId } = await server.addHost("relay-first");
    const id = newContainerId();
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "app")],
      incarnation: INCARNATION,
    });
    const browser = await LiveSocket.open(server.liveUrl);
    await browser.subscribe({ kind: "container", hostId, containerId: id });
    const store = controlStore(server);

    store.hold();
    let acked = false;
    const sent = agent.send({ type: "logs", lines: [logLine(id, Date.now(), "before the disk")], drops: [] });
    void sent.acked.then(() => {
      acked = true;
    });
    await until(() => browser.of("logs").length === 1, "the line on the live socket while the store is held");
    expect(acked).toBe(false);
    const frame = browser.of("logs")[0];
    expect(frame?.lines.map((l) => l.text)).toEqual(["before the disk"]);
    expect(frame?.batch).toEqual({ incarnation: INCARNATION, seq: sent.seq });
    expect(frame?.prev).toBeNull(); // the first batch of this run the server has seen for the container

    store.release();
    await sent.acked; // the ack still waits for the store
    const next = agent.send({ type: "logs", lines: [logLine(id, Date.now(), "second")], drops: [] });
    await next.acked;
    await until(() => browser.of("logs").length === 2, "the second frame");
    expect(browser.of("logs")[1]?.prev).toBe(sent.seq);
    await browser.close();
    await agent.close();
  });

  it("answers a subscription once what was relayed before it is stored: a REST read after it finds the lines missed live", async () => {
    const { token, hostId } = await server.addHost("relay-subscribed");
    const id = newContainerId();
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "app")],
      incarnation: INCARNATION,
    });
    const store = controlStore(server);
    store.hold();
    const sent = agent.send({
      type: "logs",
      lines: [logLine(id, Date.now(), "relayed to nobody")],
      drops: [],
    });
    // A browser reconnecting now: the line went by before its subscription and is not stored yet.
    const browser = await LiveSocket.open(server.liveUrl);
    const topic = { kind: "container", hostId, containerId: id } as const;
    browser.ws.send(JSON.stringify({ type: "subscribe", topic }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(browser.of("subscribed")).toHaveLength(0);
    const live = agent.send({ type: "logs", lines: [logLine(id, Date.now(), "sent live")], drops: [] });
    await until(() => browser.of("logs").length === 1, "a line relayed after the subscription, at once");

    store.release();
    await until(() => browser.of("subscribed").length === 1, "subscribed, once the store caught up");
    const stored = await server.get<LogsResponse>(`/api/hosts/${hostId}/containers/${id}/logs`);
    expect(stored.body.lines.map((l) => l.text)).toContain("relayed to nobody");
    expect(browser.of("logs").flatMap((f) => f.lines.map((l) => l.text))).toEqual(["sent live"]);
    await Promise.all([sent.acked, live.acked]);
    await browser.close();
    await agent.close();
  });

  it("a batch the store refuses was relayed already; its resend is relayed again, dropped as a repeat, stored once", async () => {
    const { token, hostId } = await server.addHost("relay-refused");
    const id = newContainerId();
    const options = { containers: [containerInfo(id, "app")], incarnation: INCARNATION };
    const agent = await SimAgent.connect(server.agentUrl, token, options);
    const browser = await LiveSocket.open(server.liveUrl);
    await browser.subscribe({ kind: "container", hostId, containerId: id });
    const store = controlStore(server);

    // The store fails: the server relayed the line already (at-most-once), sends no ack and
    // closes the agent's socket so that the agent resends after reconnecting.
    store.failNext();
    const t = Date.now();
    const refused = agent.send({ type: "logs", lines: [logLine(id, t, "refused once")], drops: [] });
    expect((await agent.closed).code).toBe(1011);
    expect(browser.of("logs").map((f) => f.lines[0]?.text)).toEqual(["refused once"]);

    const again = await SimAgent.connect(server.agentUrl, token, { ...options, firstSeq: refused.seq + 1 });
    await again.sendWithSeq(refused.seq, {
      type: "logs",
      lines: [logLine(id, t, "refused once")],
      drops: [],
    });
    // A lost ack: the stored batch is resent once more, relayed again, stored no second time.
    await again.sendWithSeq(refused.seq, {
      type: "logs",
      lines: [logLine(id, t, "refused once")],
      drops: [],
    });
    await again.send({ type: "logs", lines: [logLine(id, t + 1, "after")], drops: [] }).acked;
    await until(() => browser.of("logs").length === 4, "every relay of the batch and the next one");

    // The browser shows each line once: the relays of the resent batch carry its BatchRef.
    expect(verdicts(browser.of("logs"))).toEqual(["next", "repeat", "repeat", "next"]);
    // The store is the truth, and it holds the line once: what a browser that reloads shows.
    const stored = await server.get<LogsResponse>(`/api/hosts/${hostId}/containers/${id}/logs`);
    expect(stored.body.lines.map((l) => l.text)).toEqual(["refused once", "after"]);
    await browser.close();
    await again.close();
  });
});
