import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { LiveMessage } from "@crowsnest/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { LiveClient, liveUrl, messageMatches } from "../src/lib/live.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

describe("routing live messages to subscriptions", () => {
  const logs = (hostId: string, containerId: string): LiveMessage => ({
    type: "logs",
    hostId,
    containerId,
    lines: [],
    batch: { incarnation: null, seq: 1 },
    prev: null,
  });

  it("gives a container subscription only its own container's logs", () => {
    const topic = { kind: "container", hostId: "h", containerId: A } as const;
    expect(messageMatches(topic, logs("h", A))).toBe(true);
    expect(messageMatches(topic, logs("h", B))).toBe(false);
    expect(messageMatches(topic, logs("other", A))).toBe(false);
  });

  it("gives a host subscription everything of that host and nothing of others", () => {
    const topic = { kind: "host", hostId: "h" } as const;
    expect(messageMatches(topic, logs("h", B))).toBe(true);
    expect(messageMatches(topic, { type: "host_status", hostId: "x", online: true, lastSeen: 1 })).toBe(
      false,
    );
  });

  it("routes host-wide gaps to every container subscription of that host", () => {
    const topic = { kind: "container", hostId: "h", containerId: A } as const;
    const gap = (containerId: string | null): LiveMessage => ({
      type: "gap",
      hostId: "h",
      containerId,
      droppedLines: 3,
      reason: "slow_consumer",
    });
    expect(messageMatches(topic, gap(null))).toBe(true);
    expect(messageMatches(topic, gap(B))).toBe(false);
  });
});

it("opens the live socket on the page's own origin", () => {
  expect(liveUrl({ protocol: "http:", host: "127.0.0.1:8080" })).toBe("ws://127.0.0.1:8080/ws/live");
  expect(liveUrl({ protocol: "https:", host: "dash.example" })).toBe("wss://dash.example/ws/live");
});

describe("the live sequence (LiveOrder) in the page's live client", () => {
  const RUN = "agent-run-0123456789";
  const frame = (seq: number, prev: number | null, text: string, incarnation = RUN): LiveMessage => ({
    type: "logs",
    hostId: "h",
    containerId: A,
    lines: [
      { containerId: A, ts: "2026-12-01T12:00:00.000000000Z", stream: "stdout", text, truncated: false },
    ],
    batch: { incarnation, seq },
    prev,
  });
  /** A client that is never started: frames are handed to it as its socket would, decoded. */
  const watching = () => {
    const client = new LiveClient("ws://127.0.0.1:1/ws/live");
    const seen: string[] = [];
    client.subscribe({ kind: "container", hostId: "h", containerId: A }, (m) => {
      if (m.type === "logs") seen.push(m.lines.map((l) => l.text).join());
      if (m.type === "gap") seen.push(`gap ${m.reason} ${m.droppedLines}`);
    });
    return { client, seen };
  };

  it("drops a frame of a batch it already showed (the agent resent it, the server relayed it again)", () => {
    const { client, seen } = watching();
    client.receive(frame(4, null, "a"));
    client.receive(frame(5, 4, "b"));
    client.receive(frame(5, 4, "b")); // relayed again after the agent reconnected
    client.receive(frame(4, null, "a")); // an older one, resent too
    client.receive(frame(6, 5, "c"));
    expect(seen).toEqual(["a", "b", "c"]);
  });

  it("shows a gap before a frame whose previous batch it never got", () => {
    const { client, seen } = watching();
    client.receive(frame(4, null, "a"));
    client.receive(frame(9, 7, "d")); // batch 7 had lines of this container: lost on the way
    client.receive(frame(12, 9, "e")); // 10 and 11 had none of them: no gap
    expect(seen).toEqual(["a", "gap missed_frames null", "d", "e"]);
  });

  it("takes a new agent run for news, and a jump after a gap the server counted for no second gap", () => {
    const { client, seen } = watching();
    client.receive(frame(4, null, "a"));
    client.receive(frame(1, null, "new run", "agent-run-abcdefghij"));
    client.receive({
      type: "gap",
      hostId: "h",
      containerId: A,
      droppedLines: 3,
      reason: "slow_consumer",
    });
    client.receive(frame(5, 3, "after the slow patch", "agent-run-abcdefghij"));
    expect(seen).toEqual(["a", "new run", "gap slow_consumer 3", "after the slow patch"]);
  });

  it("drops a metrics frame of a batch it already showed, and passes the coalesced ones that name none", () => {
    const client = new LiveClient("ws://127.0.0.1:1/ws/live");
    let frames = 0;
    client.subscribe({ kind: "host", hostId: "h" }, (m) => {
      if (m.type === "metrics") frames++;
    });
    const metrics = (batch?: { incarnation: string; seq: number }): LiveMessage => ({
      type: "metrics",
      hostId: "h",
      samples: [],
      ...(batch === undefined ? {} : { batch }),
    });
    client.receive(metrics({ incarnation: RUN, seq: 2 }));
    client.receive(metrics({ incarnation: RUN, seq: 2 }));
    client.receive(metrics());
    client.receive(metrics({ incarnation: RUN, seq: 3 }));
    expect(frames).toBe(3);
  });
});

describe("resynchronising with a subscription (LiveClient.subscribe's onSubscribing)", () => {
  const topic = { kind: "container", hostId: "h", containerId: A } as const;
  /** Generous: a loaded 2-core machine can take a while to run a socket's callbacks. */
  const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 10_000 });
  let server: WebSocketServer;
  let client: LiveClient;
  afterEach(async () => {
    client?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A real socket server on loopback that collects what the page sends, a connection at a time. */
  async function socketServer(): Promise<{
    url: string;
    next: () => Promise<{ socket: WebSocket; sent: string[] }>;
  }> {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const connections: { socket: WebSocket; sent: string[] }[] = [];
    server.on("connection", (socket) => {
      const sent: string[] = [];
      socket.on("message", (data) => sent.push(String(data)));
      connections.push({ socket, sent });
    });
    return {
      url: `ws://127.0.0.1:${port}/ws/live`,
      next: async () => {
        const n = connections.length;
        await eventually(() => expect(connections.length).toBeGreaterThan(n));
        return connections[n] as { socket: WebSocket; sent: string[] };
      },
    };
  }

  it("tells each listener right before the subscription is sent, at first and after a reconnect, and none that joins it confirmed", async () => {
    const { url, next } = await socketServer();
    client = new LiveClient(url);
    const seen: string[] = [];
    const join = (name: string) =>
      client.subscribe(
        topic,
        (m) => seen.push(`${name} ${m.type}`),
        () => seen.push(`${name} subscribing`),
      );
    join("a");
    expect(seen).toEqual([]); // no socket yet: nothing sent
    client.start();
    const first = await next();
    await eventually(() => expect(first.sent).toHaveLength(1));
    expect(JSON.parse(first.sent[0] as string)).toEqual({ type: "subscribe", topic });
    join("b"); // sent, not yet confirmed: a `subscribed` will come for it too
    expect(seen).toEqual(["a subscribing", "b subscribing"]);
    first.socket.send(JSON.stringify({ type: "subscribed", topic }));
    await eventually(() => expect(seen).toContain("b subscribed"));
    join("c"); // confirmed already: no `subscribed` will come, so it is not told one is
    expect(seen).toEqual(["a subscribing", "b subscribing", "a subscribed", "b subscribed"]);

    first.socket.terminate();
    const second = await next();
    await eventually(() => expect(second.sent).toHaveLength(1));
    expect(seen.slice(4)).toEqual(["a subscribing", "b subscribing", "c subscribing"]);
    expect(first.sent).toHaveLength(1); // one subscription per topic, whatever its listeners
  });

  it("takes only the answer to the last subscribe frame sent for a topic as its confirmation", async () => {
    const { url, next } = await socketServer();
    client = new LiveClient(url);
    client.start();
    const socket = await next();
    const seen: string[] = [];
    const stop = client.subscribe(topic, () => {});
    await eventually(() => expect(socket.sent).toHaveLength(1));
    stop();
    client.subscribe(topic, (m) => seen.push(m.type));
    await eventually(() => expect(socket.sent).toHaveLength(3)); // subscribe, unsubscribe, subscribe
    const subscribed = JSON.stringify({ type: "subscribed", topic });
    socket.socket.send(subscribed); // the first subscription's, sent before the second was registered
    socket.socket.send(JSON.stringify({ type: "inventory", hostId: "h", containers: [] }));
    await eventually(() => expect(seen).toEqual(["inventory"]));
    socket.socket.send(subscribed);
    await eventually(() => expect(seen).toEqual(["inventory", "subscribed"]));
  });
});
