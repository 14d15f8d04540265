/**
 * The agent imports the protocol through `@crowsnest/protocol/agent`, which leaves out the modules
 * only the server and the browser use. It must only re-export: every name it gives is the very
 * object the package's main entry gives, so no rule has a second, drifting copy. And what the agent
 * receives is still validated by it: hostile server frames are refused with a reason.
 */
import * as everything from "@crowsnest/protocol";
import * as forAgent from "@crowsnest/protocol/agent";
import { describe, expect, it } from "vitest";

describe("the protocol's agent entry", () => {
  it("re-exports the main entry's own objects, nothing of its own", () => {
    const main = new Map(Object.entries(everything));
    const entries = Object.entries(forAgent);
    expect(entries.length).toBeGreaterThan(50);
    for (const [name, value] of entries) expect(value, name).toBe(main.get(name));
  });

  it.each([
    ["an unknown type", '{"type":"shell","command":"rm -rf /"}'],
    ["an ack with a negative seq", '{"type":"ack","seq":-1}'],
    [
      "a command whose container id would reach another path",
      `{"type":"command","command":{"id":"${crypto.randomUUID()}","action":"stop","containerId":"../../images/x","adminAuthorized":false}}`,
    ],
    [
      "a welcome with a short credential",
      '{"type":"welcome","protocolVersion":1,"hostId":"h1","credential":"short"}',
    ],
    ["no JSON", "{not json"],
  ])("refuses %s from the server, with a reason", (_, frame) => {
    const decoded = forAgent.decode(forAgent.SERVER_TO_AGENT_MESSAGES, frame, { maxBytes: 64 * 1024 });
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error.message).not.toBe("");
  });

  it("reads an ack carrying __proto__ without polluting any object", () => {
    const decoded = forAgent.decode(
      forAgent.SERVER_TO_AGENT_MESSAGES,
      '{"type":"ack","seq":1,"__proto__":{"polluted":true}}',
      {
        maxBytes: 64 * 1024,
      },
    );
    expect(decoded.ok && decoded.message).toEqual({ type: "ack", seq: 1 });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
