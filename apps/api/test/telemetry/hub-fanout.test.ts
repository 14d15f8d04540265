import * as protocol from "@crowsnest/protocol";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { WebSocket } from "ws";
import { LiveHub } from "../../src/live/hub.ts";
import { LiveClient } from "../../src/live/live-client.ts";
import { containerId, logLine, metricSample } from "../support/samples.ts";

// Counts serializations: the hub must encode each message once, however many sockets it goes to.
vi.mock("@crowsnest/protocol", async (importOriginal) => {
  const original = await importOriginal<typeof import("@crowsnest/protocol")>();
  return { ...original, encode: vi.fn(original.encode) };
});

/** The part of a ws socket LiveClient uses, recording what it is sent; never congested. */
function socket(): { ws: WebSocket; sent: unknown[] } {
  const sent: unknown[] = [];
  const ws = { OPEN: 1, readyState: 1, bufferedAmount: 0, send: (data: unknown) => sent.push(data) };
  return { ws: ws as unknown as WebSocket, sent };
}

const hub = new LiveHub();
afterAll(() => hub.stop());
const LIMITS = { bufferedBytesThreshold: 1024 * 1024, stuckMs: 30_000 };

function client(n: number) {
  const { ws, sent } = socket();
  const c = new LiveClient(
    ws,
    { userId: `u${n}`, username: `u${n}`, role: "VIEWER", sessionId: `s${n}` },
    LIMITS,
  );
  hub.add(c);
  return { c, sent };
}

describe("live fan-out", () => {
  it("serializes a message once for all its sockets, and sends it only to subscribers", () => {
    const hostId = "host-1";
    const watched = containerId();
    const other = containerId();
    const fleet = Array.from({ length: 100 }, (_, n) => client(n));
    const tails = Array.from({ length: 50 }, (_, n) => client(1000 + n));
    const bystanders = Array.from({ length: 5 }, (_, n) => client(2000 + n));
    for (const { c } of fleet) hub.subscribe(c, { kind: "fleet" });
    for (const { c } of tails) hub.subscribe(c, { kind: "container", hostId, containerId: watched });
    for (const { c } of bystanders) hub.subscribe(c, { kind: "container", hostId, containerId: other });
    const encode = vi.mocked(protocol.encode);

    encode.mockClear();
    hub.metrics(hostId, [metricSample(watched, Date.now())], { incarnation: null, seq: 1 });
    // One encoding for the fleet's whole batch, one for the watched container's share.
    expect(encode).toHaveBeenCalledTimes(2);
    const [fleetFrame] = fleet[0]?.sent ?? [];
    expect(fleet.every(({ sent }) => sent.length === 1 && sent[0] === fleetFrame)).toBe(true);
    expect(tails.every(({ sent }) => sent.length === 1)).toBe(true);
    expect(bystanders.every(({ sent }) => sent.length === 0)).toBe(true);

    encode.mockClear();
    hub.logs(hostId, [logLine(watched, Date.now(), "hello")], [], {
      batch: { incarnation: null, seq: 2 },
      prev: new Map(),
    });
    expect(encode).toHaveBeenCalledTimes(1);
    expect(tails.every(({ sent }) => sent.length === 2 && sent[1] === tails[0]?.sent[1])).toBe(true);
    expect(fleet.every(({ sent }) => sent.length === 1)).toBe(true);
    expect(bystanders.every(({ sent }) => sent.length === 0)).toBe(true);
  });
});
