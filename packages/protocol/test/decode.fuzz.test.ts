import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AGENT_MESSAGES,
  BROWSER_MESSAGES,
  type DecodeResult,
  decode,
  LIMITS,
  SERVER_TO_AGENT_MESSAGES,
} from "../src/index.ts";
import { container, logLine, sample } from "./fixtures.ts";

const ERROR_CODES = new Set(["too_large", "not_utf8", "too_deep", "not_json", "unknown_type", "invalid"]);
const limits = { maxBytes: LIMITS.agentFrameBytes };

/** decode must answer every input with a result, never an exception, and errors carry a known code. */
function assertWellFormed(result: DecodeResult<unknown>): void {
  if (!result.ok) {
    expect(ERROR_CODES.has(result.error.code)).toBe(true);
    expect(result.error.message.length).toBeGreaterThan(0);
  }
}

const tables = [AGENT_MESSAGES, SERVER_TO_AGENT_MESSAGES, BROWSER_MESSAGES];
const typeNames = [...new Set(tables.flatMap((table) => Object.keys(table))), "__proto__", "constructor", ""];

/** Valid messages with one field replaced by an arbitrary JSON value: the likeliest shape of a buggy peer. */
const mutatedMessage = fc
  .tuple(
    fc.constantFrom<Record<string, unknown>>(
      { type: "metrics", seq: 1, samples: [sample()] },
      { type: "logs", seq: 2, lines: [logLine()], drops: [] },
      { type: "inventory", time: 1, containers: [container()] },
      { type: "subscribe", topic: { kind: "host", hostId: "h1" } },
    ),
    fc.constantFrom("type", "seq", "samples", "lines", "containers", "topic", "time", "drops", "__proto__"),
    fc.jsonValue(),
  )
  .map(([message, key, value]) => JSON.stringify({ ...message, [key]: value }));

const arbitraryEnvelope = fc
  .record({ type: fc.constantFrom(...typeNames) }, { requiredKeys: [] })
  .chain((head) =>
    fc.dictionary(fc.string(), fc.jsonValue()).map((rest) => JSON.stringify({ ...rest, ...head })),
  );

describe("decode under generated input (100,000 cases)", () => {
  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 512 }),
        fc.constantFrom(...tables),
        (text, table) => {
          assertWellFormed(decode(table, text, limits));
        },
      ),
      { numRuns: 25_000 },
    );
  });

  it("never throws on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(...tables), (bytes, table) => {
        assertWellFormed(decode(table, bytes, limits));
      }),
      { numRuns: 25_000 },
    );
  });

  it("never throws on arbitrary JSON envelopes", () => {
    fc.assert(
      fc.property(arbitraryEnvelope, fc.constantFrom(...tables), (frame, table) => {
        assertWellFormed(decode(table, frame, limits));
      }),
      { numRuns: 25_000 },
    );
  });

  it("never throws on valid messages with a field replaced, and never pollutes prototypes", () => {
    fc.assert(
      fc.property(mutatedMessage, fc.constantFrom(...tables), (frame, table) => {
        assertWellFormed(decode(table, frame, limits));
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      { numRuns: 25_000 },
    );
  });
});
