import {
  AGENT_MESSAGES,
  decode,
  LIMITS,
  type MetricsBatch,
  type MetricsColumnsBatch,
  metricsBatchOf,
  metricsColumnsBatchOf,
  type SequencedAgentMessage,
} from "@crowsnest/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AGENT_FRAME_CHECKS } from "../../src/ingest/agent-frame-checks.ts";
import { batchDigest } from "../../src/store/batch-digest.ts";
import { containerId, metricSample } from "../support/samples.ts";

const ID = containerId();
const INCARNATION = "agent-run-0123456789";

/** A valid metrics batch of two samples, made anew for each case (the check changes what it accepts). */
const valid = () => ({
  type: "metrics",
  seq: 7,
  incarnation: INCARNATION,
  samples: [metricSample(ID, 1_000), metricSample(containerId(), 1_000)],
});

/** Where a broken or hostile agent can put a value: a field of the batch or of either sample. */
const PLACES: readonly (readonly string[])[] = [
  ["seq"],
  ["incarnation"],
  ["samples"],
  ["type"],
  ...["0", "1"].flatMap((row) => [
    ...Object.keys(metricSample(ID, 0)).map((key) => ["samples", row, key]),
    ["samples", row, "extra"],
    ["samples", row, "__proto__"],
    ["samples", row, "constructor"],
  ]),
  ["samples", "2"],
  ["extra"],
];

/** The same batch as columns (metrics_columns). */
const validColumns = () => metricsColumnsBatchOf(valid() as MetricsBatch);

/** Where a value can go in the columns form: the columns object, any column, or a value of one. */
const COLUMN_PLACES: readonly (readonly string[])[] = [
  ["columns"],
  ["columns", "extra"],
  ["columns", "__proto__"],
  ...Object.keys(metricSample(ID, 0)).flatMap((key) => [
    ["columns", key],
    ["columns", key, "0"],
    ["columns", key, "1"],
    ["columns", key, "2"],
  ]),
];

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
  `${"a".repeat(64)}x`,
  `x${"a".repeat(64)}`,
  `${"a".repeat(63)}\n`,
  `${"a".repeat(63)}\uD800`,
  "agent-run-0123456789\n",
  "metrics",
  "logs",
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
function agree(
  frame: string,
  type: "metrics" | "metrics_columns" = "metrics",
): { checked: boolean; parsed: boolean } {
  const value: unknown = JSON.parse(frame);
  const checked = AGENT_FRAME_CHECKS[type]?.(value) === true;
  const parsed = AGENT_MESSAGES[type].safeParse(JSON.parse(frame));
  if (checked) {
    expect(parsed.success, frame.slice(0, 300)).toBe(true);
    expect(value).toStrictEqual(parsed.data);
    // Key order aside (the wire's, not the schema's): the digest that tells a resend from another batch agrees.
    const batch = (m: unknown) =>
      metricsBatchOf(m as MetricsBatch | MetricsColumnsBatch) as SequencedAgentMessage;
    expect(batchDigest(batch(value))).toBe(batchDigest(batch(parsed.data)));
  }
  return { checked, parsed: parsed.success };
}

describe("the compiled check of agent metrics batches (agent-frame-checks.ts)", () => {
  it("checks metrics batches only, in both forms: a logs batch's digest hashes its JSON, key order and all", () => {
    expect(Object.keys(AGENT_FRAME_CHECKS)).toEqual(["metrics", "metrics_columns"]);
  });

  it("accepts a valid batch as columns and no columns zod refuses, uneven ones among them (20,000 cases)", () => {
    expect(agree(JSON.stringify(validColumns()), "metrics_columns")).toEqual({ checked: true, parsed: true });
    const uneven = validColumns();
    uneven.columns.pids = [1];
    expect(agree(JSON.stringify(uneven), "metrics_columns")).toEqual({ checked: false, parsed: false });
    fc.assert(
      fc.property(
        fc.constantFrom(...COLUMN_PLACES),
        fc.oneof(fc.jsonValue(), fc.constantFrom(...EDGES)),
        (path, value) => {
          const { checked, parsed } = agree(withValue(validColumns(), path, value), "metrics_columns");
          expect(checked).toBe(parsed);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("accepts a valid batch, its keys in any order, as zod outputs it", () => {
    expect(agree(JSON.stringify(valid()))).toEqual({ checked: true, parsed: true });
    const reversed = (o: object) => Object.fromEntries(Object.entries(o).toReversed());
    const batch = valid();
    expect(agree(JSON.stringify(reversed({ ...batch, samples: batch.samples.map(reversed) })))).toEqual({
      checked: true,
      parsed: true,
    });
  });

  it("accepts no value zod refuses, and leaves what it accepts as zod's output (100,000 cases)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PLACES),
        fc.oneof(fc.jsonValue(), fc.constantFrom(...EDGES)),
        (path, value) => {
          const { checked, parsed } = agree(withValue(valid(), path, value));
          // Stricter than zod would only be slower (zod decides), never wrong: not expected either.
          expect(checked).toBe(parsed);
        },
      ),
      { numRuns: 100_000 },
    );
  });

  it("takes as many samples as the protocol allows, and not one more", () => {
    for (const [count, ok] of [
      [LIMITS.metricSamplesPerBatch, true],
      [LIMITS.metricSamplesPerBatch + 1, false],
    ] as const) {
      const samples = Array.from({ length: count }, (_, i) => metricSample(ID, i));
      expect(agree(JSON.stringify({ ...valid(), samples }))).toEqual({ checked: ok, parsed: ok });
    }
  });

  it("drops keys the schema does not name and gives zod's own message for a bad batch, through decode", () => {
    const batch = valid();
    const frame = JSON.stringify({ ...batch, debug: "x", samples: [{ ...batch.samples[0], x: 1 }] });
    const decoded = decode(AGENT_MESSAGES, frame, {
      maxBytes: LIMITS.agentFrameBytes,
      accept: AGENT_FRAME_CHECKS,
    });
    // With the frame's bytes, which the store may parse again (BatchWrite.json): keys by name agree.
    expect(decoded).toEqual({
      ok: true,
      message: { ...batch, samples: [batch.samples[0]] },
      json: Buffer.from(frame),
    });

    // A sample with a key the check removes before it refuses the next one: zod's verdict and words as before.
    const bad = JSON.stringify({
      ...batch,
      samples: [
        { ...batch.samples[0], x: 1 },
        { ...batch.samples[1], pids: -1 },
      ],
    });
    const options = { maxBytes: LIMITS.agentFrameBytes };
    expect(decode(AGENT_MESSAGES, bad, { ...options, accept: AGENT_FRAME_CHECKS })).toEqual(
      decode(AGENT_MESSAGES, bad, options),
    );
    expect(decode(AGENT_MESSAGES, bad, options).ok).toBe(false);
  });

  it("takes a batch whose unnamed keys nest past the depth limit (JSON.parse does not recurse) and refuses any other deep frame", () => {
    const batch = valid();
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const frame = JSON.stringify({ ...batch, samples: [{ ...batch.samples[0], x: 0 }] }).replace(
      '"x":0',
      `"x":${deep}`,
    );
    const options = { maxBytes: LIMITS.agentFrameBytes, accept: AGENT_FRAME_CHECKS };
    expect(decode(AGENT_MESSAGES, frame, options)).toEqual({
      ok: true,
      message: { ...batch, samples: [batch.samples[0]] },
      json: Buffer.from(frame),
    });
    // The check refuses it (a sample's pids broken): the depth is checked before zod's parse.
    const refused = frame.replace(`"pids":${batch.samples[0]?.pids}`, '"pids":-1');
    expect(refused).not.toBe(frame);
    expect(decode(AGENT_MESSAGES, refused, options)).toMatchObject({
      ok: false,
      error: { code: "too_deep" },
    });
  });
});
