import { describe, expect, it } from "vitest";
import { type Topic, topicKey } from "../src/index.ts";

const A = "a".repeat(64);

describe("topicKey (the server's subscription index and the dashboard's subscriptions)", () => {
  it("keys topics uniquely", () => {
    expect(topicKey({ kind: "fleet" })).toBe("fleet");
    expect(topicKey({ kind: "host", hostId: "h" })).toBe("host/h");
    expect(topicKey({ kind: "container", hostId: "h", containerId: A })).toBe(`container/h/${A}`);
  });

  it("gives equal topics one key and different topics different keys", () => {
    const topics: Topic[] = [
      { kind: "fleet" },
      { kind: "host", hostId: "h" },
      { kind: "host", hostId: "g" },
      { kind: "container", hostId: "h", containerId: A },
      { kind: "container", hostId: "g", containerId: A },
    ];
    expect(new Set(topics.map(topicKey)).size).toBe(topics.length);
    expect(topicKey({ kind: "host", hostId: "h" })).toBe(topicKey({ kind: "host", hostId: "h" }));
  });
});
