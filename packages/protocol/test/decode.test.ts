import { describe, expect, it } from "vitest";
import {
  AGENT_MESSAGES,
  BROWSER_MESSAGES,
  decode,
  jsonDepth,
  LIMITS,
  LIVE_MESSAGES,
  PROTOCOL_VERSION,
  SERVER_TO_AGENT_MESSAGES,
} from "../src/index.ts";
import { CONTAINER_ID, container, helloMessage, logLine, sample } from "./fixtures.ts";

const agentLimits = { maxBytes: LIMITS.agentFrameBytes };
const decodeAgent = (frame: string | Uint8Array) => decode(AGENT_MESSAGES, frame, agentLimits);

function errorCode(result: ReturnType<typeof decodeAgent>): string {
  if (result.ok) throw new Error(`expected a decode error, got a ${result.message.type} message`);
  return result.error.code;
}

describe("decode: valid messages of every direction", () => {
  it("accepts each agent message", () => {
    const messages = [
      {
        type: "hello",
        protocolVersion: PROTOCOL_VERSION,
        agentVersion: "0.1.0",
        host: {
          hostname: "h1",
          os: "Debian GNU/Linux 12",
          kernel: "6.1.0",
          architecture: "x86_64",
          cpus: 2,
          memoryBytes: 25_769_803_776,
          dockerVersion: "20.10.24",
          dockerApiVersion: "1.41",
          cgroupVersion: "1",
        },
      },
      { type: "inventory", time: 1, containers: [container()] },
      {
        type: "events",
        seq: 1,
        events: [
          { containerId: CONTAINER_ID, action: "die", time: 2, exitCode: 137, container: container() },
        ],
      },
      { type: "metrics", seq: 2, samples: [sample()] },
      {
        type: "logs",
        seq: 3,
        lines: [logLine(), logLine({ stream: "stderr" })],
        drops: [{ containerId: CONTAINER_ID, count: 10, from: 1, to: 2 }],
      },
      {
        type: "gap",
        seq: 4,
        droppedBatches: 2,
        droppedSamples: 10,
        droppedLines: 5,
        droppedEvents: 0,
        from: 1,
        to: 2,
      },
      {
        type: "command_result",
        commandId: "0b5c3f8e-4a0e-4a43-9d5e-2d6f6c1b3e21",
        outcome: { ok: false, error: { code: "protected", message: "container is protected" } },
      },
    ];
    for (const message of messages) {
      const result = decodeAgent(JSON.stringify(message));
      expect(result, message.type).toMatchObject({ ok: true, message: { type: message.type } });
    }
  });

  it("accepts server-to-agent, browser and live messages", () => {
    const command = {
      type: "command",
      command: {
        id: "0b5c3f8e-4a0e-4a43-9d5e-2d6f6c1b3e21",
        containerId: CONTAINER_ID,
        action: "kill",
        options: { signal: "SIGKILL" },
        adminAuthorized: false,
      },
    };
    expect(decode(SERVER_TO_AGENT_MESSAGES, JSON.stringify(command), agentLimits).ok).toBe(true);
    expect(decode(SERVER_TO_AGENT_MESSAGES, '{"type":"ack","seq":7}', agentLimits).ok).toBe(true);

    const subscribe = {
      type: "subscribe",
      topic: { kind: "container", hostId: "h_1", containerId: CONTAINER_ID },
    };
    expect(
      decode(BROWSER_MESSAGES, JSON.stringify(subscribe), { maxBytes: LIMITS.browserFrameBytes }).ok,
    ).toBe(true);

    const live = {
      type: "logs",
      hostId: "h_1",
      containerId: CONTAINER_ID,
      lines: [logLine()],
      batch: { incarnation: null, seq: 3 },
      prev: 2,
    };
    expect(decode(LIVE_MESSAGES, JSON.stringify(live), { maxBytes: LIMITS.agentFrameBytes }).ok).toBe(true);
  });

  it("decodes frames given as bytes", () => {
    const bytes = new TextEncoder().encode('{"type":"metrics","seq":1,"samples":[]}');
    expect(decodeAgent(bytes).ok).toBe(true);
  });
});

describe("decode: hostile and malformed input", () => {
  it("names the field that is wrong", () => {
    const result = decodeAgent(JSON.stringify({ type: "metrics", seq: 1, samples: [sample({ pids: -1 })] }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain("samples.0.pids");
  });

  it("refuses numbers wider than what Docker and the stores hold, and control characters in an agent's version", () => {
    // A red-team finding: values the protocol let through made PostgreSQL refuse the whole flush.
    const metrics = (pids: number) =>
      JSON.stringify({ type: "metrics", seq: 1, samples: [sample({ pids })] });
    expect(decodeAgent(metrics(2 ** 31 - 1)).ok).toBe(true);
    expect(errorCode(decodeAgent(metrics(2 ** 31)))).toBe("invalid");
    const died = (exitCode: number) =>
      JSON.stringify({
        type: "events",
        seq: 1,
        events: [{ containerId: CONTAINER_ID, action: "die", time: 1, exitCode, container: container() }],
      });
    expect(decodeAgent(died(-(2 ** 31))).ok).toBe(true);
    expect(errorCode(decodeAgent(died(2 ** 31)))).toBe("invalid");
    expect(errorCode(decodeAgent(died(-(2 ** 31) - 1)))).toBe("invalid");
    const hello = (agentVersion: string) => JSON.stringify(helloMessage("h1", agentVersion));
    expect(decodeAgent(hello("1.0.0-rc.1+build")).ok).toBe(true);
    expect(errorCode(decodeAgent(hello("1.0\u0000")))).toBe("invalid");
  });

  it("refuses wrong types and missing fields", () => {
    expect(errorCode(decodeAgent('{"type":"metrics","seq":"1","samples":[]}'))).toBe("invalid");
    expect(errorCode(decodeAgent('{"type":"metrics","samples":[]}'))).toBe("invalid");
    expect(errorCode(decodeAgent('{"type":"ack","seq":1}'))).toBe("unknown_type");
    expect(errorCode(decodeAgent('{"type":42}'))).toBe("invalid");
    expect(errorCode(decodeAgent("[1,2,3]"))).toBe("invalid");
    expect(errorCode(decodeAgent("null"))).toBe("invalid");
    expect(errorCode(decodeAgent('"hello"'))).toBe("invalid");
  });

  it("refuses unknown types, including ones that name Object.prototype members", () => {
    for (const type of ["nope", "__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect(errorCode(decodeAgent(JSON.stringify({ type })))).toBe("unknown_type");
    }
  });

  it("refuses container ids that are not full hex ids", () => {
    for (const id of [
      "../containers/json",
      "abc",
      "A".repeat(64),
      `${"a".repeat(63)}/`,
      "web",
      `${"a".repeat(64)}?x`,
    ]) {
      const frame = JSON.stringify({ type: "metrics", seq: 1, samples: [sample({ containerId: id })] });
      expect(errorCode(decodeAgent(frame)), id).toBe("invalid");
    }
    const subscribe = { type: "subscribe", topic: { kind: "container", hostId: "h", containerId: "..%2F" } };
    const result = decode(BROWSER_MESSAGES, JSON.stringify(subscribe), {
      maxBytes: LIMITS.browserFrameBytes,
    });
    expect(result.ok).toBe(false);
  });

  it("refuses oversized frames before parsing them", () => {
    const big = `{"type":"logs","seq":1,"lines":[],"drops":[],"pad":"${"x".repeat(LIMITS.agentFrameBytes)}"}`;
    expect(errorCode(decodeAgent(big))).toBe("too_large");
  });

  it("refuses oversized strings and arrays, and cuts oversized container metadata", () => {
    const longLine = logLine({ text: "x".repeat(LIMITS.logLineBytes + 65) });
    expect(
      errorCode(decodeAgent(JSON.stringify({ type: "logs", seq: 1, lines: [longLine], drops: [] }))),
    ).toBe("invalid");
    const tooMany = Array.from({ length: LIMITS.metricSamplesPerBatch + 1 }, () => sample());
    expect(errorCode(decodeAgent(JSON.stringify({ type: "metrics", seq: 1, samples: tooMany })))).toBe(
      "invalid",
    );
    const labels = Object.fromEntries(
      Array.from({ length: LIMITS.labelsPerContainer + 1 }, (_, i) => [`k${i}`, "v"]),
    );
    const frame = JSON.stringify({ type: "inventory", time: 1, containers: [container({ labels })] });
    // A container's metadata past its limits is cut, never refused (container-metadata.test.ts).
    const capped = decodeAgent(frame);
    if (!capped.ok || capped.message.type !== "inventory") throw new Error("expected an inventory");
    expect(Object.keys(capped.message.containers[0]?.labels ?? {})).toHaveLength(LIMITS.labelsPerContainer);
  });

  it("refuses deep nesting before zod's parse would recurse into it", () => {
    const deep = `{"type":"hello","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(errorCode(decodeAgent(deep))).toBe("too_deep");
    expect(jsonDepth('{"a":"[[[[[[[[[[","b":[{}]}')).toBe(3);
    expect(jsonDepth('{"a":"\\"[[[["}')).toBe(1);
  });

  it("refuses bytes that are not JSON or not UTF-8", () => {
    expect(errorCode(decodeAgent("{type: hello}"))).toBe("not_json");
    expect(errorCode(decodeAgent(""))).toBe("not_json");
    expect(errorCode(decodeAgent(new Uint8Array([0xff, 0xfe, 0x00, 0x7b])))).toBe("not_utf8");
    expect(errorCode(decodeAgent(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])))).toBe("not_utf8");
  });

  it("keeps __proto__ and constructor keys as inert data", () => {
    const frame = JSON.stringify({ type: "inventory", time: 1, containers: [container()] }).replace(
      '"labels":{',
      '"labels":{"__proto__":{"polluted":"yes"},"constructor":"c",',
    );
    const result = decodeAgent(frame);
    expect(result.ok).toBe(true);
    if (!result.ok || result.message.type !== "inventory") return;
    const labels = result.message.containers[0]?.labels ?? {};
    expect(Object.getPrototypeOf(labels)).toBeNull();
    expect(labels.constructor).toBe("c");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    const top = decodeAgent('{"type":"metrics","seq":1,"samples":[],"__proto__":{"isAdmin":true}}');
    expect(top.ok).toBe(true);
    if (top.ok) expect((top.message as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it("refuses command options outside the allow-list", () => {
    const command = (options: unknown) =>
      JSON.stringify({
        type: "command",
        command: {
          id: "0b5c3f8e-4a0e-4a43-9d5e-2d6f6c1b3e21",
          containerId: CONTAINER_ID,
          action: "kill",
          options,
          adminAuthorized: false,
        },
      });
    const decodeCommand = (frame: string) => decode(SERVER_TO_AGENT_MESSAGES, frame, agentLimits).ok;
    expect(decodeCommand(command({ signal: "SIGTERM; rm -rf /" }))).toBe(false);
    expect(decodeCommand(command({ timeoutSeconds: 100_000 }))).toBe(false);
    expect(decodeCommand(command({ cmd: ["sh"] }))).toBe(false);
    expect(decodeCommand(command({}).replace('"action":"kill"', '"action":"exec"'))).toBe(false);
  });
});
