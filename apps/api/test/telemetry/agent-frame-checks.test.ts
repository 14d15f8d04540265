import { AGENT_MESSAGES, decode, LIMITS } from "@crowsnest/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AGENT_FRAME_CHECKS } from "../../src/ingest/agent-frame-checks.ts";
import { containerId, logLine, metricSample } from "../support/samples.ts";

const ID = containerId();
const INCARNATION = "agent-run-0123456789";

/** A valid message of each checked type, made anew for each case (the checks change what they accept). */
const VALID = {
  metrics: () => ({ type: "metrics", seq: 7, incarnation: INCARNATION, samples: [metricSample(ID, 1_000)] }),
  logs: () => ({
    type: "logs",
    seq: 8,
    lines: [logLine(ID, 1_000, "GET /health 200")],
    drops: [{ containerId: ID, count: 3, from: 900, to: 950, reason: "rotated" }],
  }),
} as const;
type Checked = keyof typeof VALID;

/** Where a broken or hostile agent can put a value: a field of the batch, of its first row or drop. */
const PLACES: Record<Checked, readonly (readonly string[])[]> = {
  metrics: [
    ["seq"],
    ["incarnation"],
    ["samples"],
    ...Object.keys(metricSample(ID, 0)).map((key) => ["samples", "0", key]),
    ["samples", "0", "extra"],
    ["samples", "0", "__proto__"],
    ["extra"],
  ],
  logs: [
    ["seq"],
    ["lines"],
    ["drops"],
    ...Object.keys(logLine(ID, 0, "")).map((key) => ["lines", "0", key]),
    ...["count", "from", "to", "reason", "extra"].map((key) => ["drops", "0", key]),
    ["lines", "0", "constructor"],
    ["extra"],
  ],
};

/** Values at the edges of what the schemas allow, besides arbitrary JSON. */
const EDGES = [
  2 ** 53 - 1,
  2 ** 53,
  2 ** 31 - 1,
  2 ** 31,
  8.64e15,
  8.64e15 + 1,
  1e6,
  1e6 + 0.5,
  1e300,
  -0,
  -1,
  0.5,
  0,
  "",
  "a".repeat(64),
  "A".repeat(64),
  `${"a".repeat(63)}\n`,
  "2026-12-02T14:00:00.123456789Z",
  "2026-12-02T14:00:00.1234567890Z",
  "stderr",
  "rate_limit",
  null,
  true,
  [],
  {},
];

function withValue(message: Record<string, unknown>, path: readonly string[], value: unknown): string {
  let at: Record<string, unknown> = message;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const key = path.at(-1) as string;
  // As JSON.parse makes it: an own property, even "__proto__".
  Object.defineProperty(at, key, { value, enumerable: true, writable: true, configurable: true });
  return JSON.stringify(message);
}

/** The check and zod on the same frame: whatever the check accepts, zod accepts as the same value. */
function agree(type: Checked, frame: string): { checked: boolean; parsed: boolean } {
  const value: unknown = JSON.parse(frame);
  const checked = AGENT_FRAME_CHECKS[type]?.(value) === true;
  const parsed = AGENT_MESSAGES[type].safeParse(JSON.parse(frame));
  if (checked) {
    expect(parsed.success, frame.slice(0, 300)).toBe(true);
    expect(value).toStrictEqual(parsed.data);
  }
  return { checked, parsed: parsed.success };
}

describe("the compiled checks of agent batches (agent-frame-checks.ts)", () => {
  it("accept every valid batch, as zod outputs it", () => {
    for (const type of Object.keys(VALID) as Checked[]) {
      expect(agree(type, JSON.stringify(VALID[type]()))).toEqual({ checked: true, parsed: true });
    }
  });

  it("accept no value zod refuses, and leave what they accept as zod's output (100,000 cases)", () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...(Object.keys(VALID) as Checked[]))
          .chain((type) =>
            fc.tuple(
              fc.constant(type),
              fc.constantFrom(...PLACES[type]),
              fc.oneof(fc.jsonValue(), fc.constantFrom(...EDGES)),
            ),
          ),
        ([type, path, value]) => {
          const { checked, parsed } = agree(type, withValue(VALID[type](), path, value));
          // Stricter than zod would only be slower (zod decides), never wrong: not expected either.
          expect(checked).toBe(parsed);
        },
      ),
      { numRuns: 100_000 },
    );
  });

  it("count a line's length in code points, as zod does", () => {
    const max = LIMITS.logLineBytes + 64;
    for (const [text, ok] of [
      ["a".repeat(max), true],
      ["a".repeat(max + 1), false],
      ["\u{1F600}".repeat(max), true],
      ["\u{1F600}".repeat(max + 1), false],
    ] as const) {
      const message = VALID.logs();
      const frame = JSON.stringify({ ...message, lines: [{ ...message.lines[0], text }] });
      expect(agree("logs", frame)).toEqual({ checked: ok, parsed: ok });
    }
  });

  it("drop keys the schema does not name and give zod's own message for a bad batch, through decode", () => {
    const frame = JSON.stringify({
      ...VALID.metrics(),
      debug: "x",
      samples: [{ ...metricSample(ID, 5), x: 1 }],
    });
    const decoded = decode(AGENT_MESSAGES, frame, {
      maxBytes: LIMITS.agentFrameBytes,
      accept: AGENT_FRAME_CHECKS,
    });
    expect(decoded).toEqual({ ok: true, message: { ...VALID.metrics(), samples: [metricSample(ID, 5)] } });

    const bad = JSON.stringify({ ...VALID.metrics(), samples: [{ ...metricSample(ID, 5), pids: -1 }] });
    const options = { maxBytes: LIMITS.agentFrameBytes };
    expect(decode(AGENT_MESSAGES, bad, { ...options, accept: AGENT_FRAME_CHECKS })).toEqual(
      decode(AGENT_MESSAGES, bad, options),
    );
    expect(decode(AGENT_MESSAGES, bad, options).ok).toBe(false);
  });
});
