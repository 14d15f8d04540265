import type { LiveMessage } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { liveUrl, messageMatches } from "../src/lib/live.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

describe("routing live messages to subscriptions", () => {
  const logs = (hostId: string, containerId: string): LiveMessage => ({
    type: "logs",
    hostId,
    containerId,
    lines: [],
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
