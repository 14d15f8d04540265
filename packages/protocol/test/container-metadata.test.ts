import { describe, expect, it } from "vitest";
import {
  AGENT_MESSAGES,
  type ContainerInfo,
  capContainerInfo,
  cutText,
  decode,
  isProtected,
  LIMITS,
  type Port,
  readContainer,
} from "../src/index.ts";
import { CONTAINER_ID, container } from "./fixtures.ts";

const OTHER_ID = "a".repeat(64);

/** Capped, and valid under the strict schema every receiver checks. */
function capped(overrides: Partial<ContainerInfo>): ContainerInfo {
  const out = capContainerInfo(container(overrides));
  expect(() => expectValidOnTheWire(out)).not.toThrow();
  expect(capContainerInfo(out)).toEqual(out);
  return out;
}

function expectValidOnTheWire(info: ContainerInfo): void {
  const decoded = decode(AGENT_MESSAGES, JSON.stringify({ type: "inventory", time: 1, containers: [info] }), {
    maxBytes: LIMITS.agentFrameBytes,
  });
  if (!decoded.ok || decoded.message.type !== "inventory") throw new Error("not an inventory");
  if (decoded.message.refused !== undefined) throw new Error(JSON.stringify(decoded.message.refused));
}

const udp = (privatePort: number, publicPort: number | null = null): Port => ({
  privatePort,
  publicPort,
  protocol: "udp",
  ip: null,
});

describe("cutText", () => {
  it("leaves a text that fits alone and cuts a longer one to the limit, with a marker and the original length", () => {
    expect(cutText("short", 100)).toBe("short");
    const cut = cutText("x".repeat(9_000), LIMITS.labelValueChars);
    expect(cut).toHaveLength(LIMITS.labelValueChars);
    expect(cut.endsWith("…[cut from 9000 chars]")).toBe(true);
    expect(cut.startsWith("xxxx")).toBe(true);
    expect(cutText(cut, LIMITS.labelValueChars)).toBe(cut);
  });

  it("never splits a surrogate pair", () => {
    const text = "🦜".repeat(100);
    const cut = cutText(text, 50);
    expect(cut.length).toBeLessThanOrEqual(50);
    expect(cut.isWellFormed()).toBe(true);
  });
});

describe("capContainerInfo", () => {
  it("changes nothing and adds no note when everything fits", () => {
    const info = container({
      ports: [{ privatePort: 80, publicPort: 8081, protocol: "tcp", ip: "127.0.0.1" }],
    });
    const out = capContainerInfo(info);
    expect(out).toEqual(info);
    expect(out.metadataNote).toBeUndefined();
  });

  it("cuts the log driver and the Engine's reason it cannot read them, and says so", () => {
    const out = capped({ logs: { driver: "d".repeat(5_000), unreadable: "r".repeat(6_000) } });
    expect(out.logs?.driver).toBe(cutText("d".repeat(5_000), LIMITS.shortText));
    expect(out.logs?.unreadable).toBe(cutText("r".repeat(6_000), LIMITS.shortText));
    expect(out.metadataNote).toContain("log driver (5000 chars)");
    expect(out.metadataNote).toContain("why the logs are unreadable (6000 chars)");
    expect(capped({ logs: { driver: "none", unreadable: null } }).logs).toEqual({
      driver: "none",
      unreadable: null,
    });
  });

  it("cuts a 9,000-char label value with the marker and says so", () => {
    const out = capped({ labels: { note: "x".repeat(9_000), keep: "v" } });
    expect(out.labels.note).toHaveLength(LIMITS.labelValueChars);
    expect(out.labels.note?.endsWith("…[cut from 9000 chars]")).toBe(true);
    expect(out.labels.keep).toBe("v");
    expect(out.metadataNote).toContain('label "note" (9000 chars)');
  });

  it("keeps at most the label count, every spelling of the protected label first", () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 600; i++) labels[`a.${String(i).padStart(3, "0")}`] = "v";
    labels["com.docker.dashboard.Protected"] = "true";
    labels["COM.DOCKER.DASHBOARD.PROTECTED"] = "false";
    const out = capped({ labels });
    expect(Object.keys(out.labels)).toHaveLength(LIMITS.labelsPerContainer);
    expect(out.labels["com.docker.dashboard.Protected"]).toBe("true");
    expect(out.labels["COM.DOCKER.DASHBOARD.PROTECTED"]).toBe("false");
    expect(isProtected(out.labels)).toBe(true);
    expect(out.metadataNote).toContain("90 labels past 512 labels");
  });

  it("bounds all labels together, keeping the protected one", () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 100; i++) labels[`k${i}`] = "y".repeat(5_000);
    labels["com.docker.dashboard.protected"] = "y".repeat(9_000);
    const out = capped({ labels });
    const chars = Object.entries(out.labels).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
    expect(chars).toBeLessThanOrEqual(LIMITS.labelCharsPerContainer);
    expect(out.labels["com.docker.dashboard.protected"]?.endsWith("…[cut from 9000 chars]")).toBe(true);
    expect(isProtected(out.labels)).toBe(true);
  });

  it("keeps a protecting spelling when spellings saying false fill the budget first (fail closed)", () => {
    // 512 case variants of the key with "false" before the one "true": the count runs out first.
    const labels: Record<string, string> = {};
    const key = "com.docker.dashboard.protected";
    for (let i = 0; i < 520; i++) {
      const variant = [...key].map((c, j) => ((i >> (j % 9)) & 1 ? c.toUpperCase() : c)).join("");
      if (variant !== key) labels[`COM.${variant.slice(4)}${" ".repeat(i % 3)}`] = "false";
    }
    labels[key] = "true";
    expect(Object.keys(labels).length).toBeGreaterThan(LIMITS.labelsPerContainer);
    const out = capped({ labels });
    expect(out.labels[key]).toBe("true");
    expect(isProtected(out.labels)).toBe(true);
  });

  it("leaves out a label whose key is too long, but keeps a padded protection key under its trimmed spelling", () => {
    const padded = `${" ".repeat(2_000)}com.docker.dashboard.protected`;
    const out = capped({ labels: { ["k".repeat(2_000)]: "v", [padded]: "" } });
    expect(Object.keys(out.labels)).toEqual(["com.docker.dashboard.protected"]);
    expect(out.metadataNote).toContain("1 labels with keys over 1024 chars left out");
  });

  it("cuts names, image, status and compose texts, and leaves out names past the count", () => {
    const long = "n".repeat(5_000);
    const out = capped({
      names: Array.from({ length: 70 }, (_, i) => `${long}${i}`),
      image: long,
      status: long,
      composeProject: long,
      composeService: long,
    });
    expect(out.names).toHaveLength(LIMITS.namesPerContainer);
    for (const text of [...out.names, out.image, out.status, out.composeProject, out.composeService]) {
      expect(text).toHaveLength(LIMITS.shortText);
      expect(text).toMatch(/…\[cut from 50\d\d chars\]$/);
    }
    expect(out.metadataNote).toBe(
      "cut to fit the protocol's limits: name 1 (5001 chars) and 63 more names, 6 names past 64 left out, " +
        "image (5000 chars), status (5000 chars), compose project (5000 chars), compose service (5000 chars)",
    );
  });

  it("summarises a 1,025-port range as one entry, as docker ps does", () => {
    const published = Array.from({ length: 1_025 }, (_, i) => udp(10_000 + i, 10_000 + i));
    const out = capped({
      ports: [...published, { privatePort: 80, publicPort: null, protocol: "tcp", ip: null }],
    });
    expect(out.ports).toEqual([
      { privatePort: 80, publicPort: null, protocol: "tcp", ip: null },
      { privatePort: 10_000, privatePortEnd: 11_024, publicPort: 10_000, protocol: "udp", ip: null },
    ]);
    expect(out.metadataNote).toBeUndefined();
  });

  it("merges only what is consecutive on both sides, of one protocol and address", () => {
    const out = capped({
      ports: [
        udp(1, 101),
        udp(2, 102),
        udp(3, 200),
        udp(4),
        udp(5),
        { ...udp(6), protocol: "tcp" },
        { ...udp(7), ip: "::" },
      ],
    });
    expect(out.ports).toEqual([
      { privatePort: 1, privatePortEnd: 2, publicPort: 101, protocol: "udp", ip: null },
      udp(3, 200),
      { privatePort: 4, privatePortEnd: 5, publicPort: null, protocol: "udp", ip: null },
      { ...udp(6), protocol: "tcp" },
      { ...udp(7), ip: "::" },
    ]);
  });

  it("keeps at most the port entries when ports are not consecutive", () => {
    const out = capped({ ports: Array.from({ length: 2_000 }, (_, i) => udp(i * 2)) });
    expect(out.ports).toHaveLength(LIMITS.portsPerContainer);
    expect(out.metadataNote).toContain("976 port entries past 1024 left out");
  });

  it("keeps the note a peer already wrote and adds its own", () => {
    const out = capped({ image: "i".repeat(2_000), metadataNote: "from the agent" });
    expect(out.metadataNote).toBe("from the agent; cut to fit the protocol's limits: image (2000 chars)");
  });
});

describe("readContainer", () => {
  it("cuts a container past the limits and refuses one that cannot be read, naming it", () => {
    const big = readContainer({ ...container(), labels: { note: "x".repeat(9_000) } });
    expect("container" in big && big.container.labels.note?.length).toBe(LIMITS.labelValueChars);
    expect(readContainer({ ...container({ id: OTHER_ID }), state: "sleeping" })).toEqual({
      refused: { containerId: OTHER_ID, reason: expect.stringContaining("state") },
    });
    expect(readContainer(null)).toEqual({ refused: { containerId: null, reason: expect.any(String) } });
  });

  it("keeps the other containers and events of a message that carries one unreadable container", () => {
    const broken = { ...container({ id: OTHER_ID }), ports: "many" };
    const inventory = decode(
      AGENT_MESSAGES,
      JSON.stringify({ type: "inventory", time: 1, containers: [broken, container()] }),
      { maxBytes: LIMITS.agentFrameBytes },
    );
    if (!inventory.ok || inventory.message.type !== "inventory") throw new Error("expected an inventory");
    expect(inventory.message.containers.map((c) => c.id)).toEqual([CONTAINER_ID]);
    expect(inventory.message.refused).toEqual([
      { containerId: OTHER_ID, reason: expect.stringContaining("ports") },
    ]);

    const event = (id: string, c: unknown) => ({
      containerId: id,
      action: "start",
      time: 1,
      exitCode: null,
      container: c,
    });
    const events = decode(
      AGENT_MESSAGES,
      JSON.stringify({
        type: "events",
        seq: 1,
        events: [
          event(OTHER_ID, broken),
          event(CONTAINER_ID, container()),
          { ...event(OTHER_ID, null), action: "destroy" },
        ],
      }),
      { maxBytes: LIMITS.agentFrameBytes },
    );
    if (!events.ok || events.message.type !== "events") throw new Error("expected events");
    expect(events.message.events.map((e) => [e.action, e.container?.id ?? null])).toEqual([
      ["start", CONTAINER_ID],
      ["destroy", null],
    ]);
    expect(events.message.refused).toEqual([
      { containerId: OTHER_ID, reason: expect.stringContaining("ports") },
    ]);
  });
});
