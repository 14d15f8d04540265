/**
 * What the server's event loop pays to decode an agent's batch, per row: the frame's bytes to
 * text, the nesting check, JSON.parse and the schema check (`decode` in packages/protocol), with
 * zod's parse alone against the compiled checks tried first (apps/api/src/ingest/agent-frame-checks.ts),
 * alternating round by round in one process so that a shared machine's load falls on both alike.
 * Frames as figure 3's agents send them at its top rates (bench/support/sim-load.ts): a host's 600
 * samples in one frame (about 150 KiB, as agents cut them before 128 KiB was their bound: the text of
 * a larger frame is a V8 large object) and as many as the agent's outbox puts in one frame now, and
 * no more; and that frame as columns (metrics_columns), read back into rows as the server reads it.
 * (Log batches stay with zod: agent-frame-checks.ts.) Run directly (Node 24:
 * node_modules/.bin/node):
 *
 *   node bench/suites/agent-frames.ts [--rounds 15] [--frames 200]
 *
 * Prints, per kind, the median and range over the rounds of ns a row for each way, and the ratio;
 * then each metrics kind and way against the first kind with zod alone (what agents sent before).
 */
import { parseArgs } from "node:util";
import {
  AGENT_MESSAGES,
  type DecodeOptions,
  decode,
  LIMITS,
  type MetricsBatch,
  metricsBatchOf,
  metricsColumnsBatchOf,
} from "@crowsnest/protocol";
import { AGENT_FRAME_CHECKS } from "../../apps/api/src/ingest/agent-frame-checks.ts";
import { containerId, metricSample } from "../../apps/api/test/support/samples.ts";
import { spread } from "../support/measure.ts";
import { SAMPLES_PER_BATCH } from "../support/sim-load.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "15" }, frames: { type: "string", default: "200" } },
});
const ROUNDS = Number(values.rounds);
const FRAMES = Number(values.frames);
/** A host's samples of one round in one frame: what the agent sent before it cut frames under 128 KiB. */
const HOST_SAMPLES = 600;
/** As the agent's outbox cuts them now. */
const CUT_SAMPLES = Math.min(HOST_SAMPLES, SAMPLES_PER_BATCH);

const containers = Array.from({ length: HOST_SAMPLES }, () => containerId());
const t = Date.now();
const metricsFrame = (samples: number) => (seq: number) =>
  Buffer.from(
    JSON.stringify({
      type: "metrics",
      seq,
      samples: containers
        .slice(0, samples)
        .map((id, i) => metricSample(id, t + seq, (i % 7) * 3.5, 1_000_000 + seq * i)),
    }),
  );
/** The same batch as columns (metrics_columns), as an agent sends it to a server that takes them. */
const columnsFrame = (samples: number) => (seq: number) =>
  Buffer.from(
    JSON.stringify(metricsColumnsBatchOf(JSON.parse(metricsFrame(samples)(seq).toString()) as MetricsBatch)),
  );
const KINDS = {
  [`metrics, ${HOST_SAMPLES} a frame`]: { rows: HOST_SAMPLES, frame: metricsFrame(HOST_SAMPLES) },
  [`metrics, ${CUT_SAMPLES} a frame`]: { rows: CUT_SAMPLES, frame: metricsFrame(CUT_SAMPLES) },
  [`metrics as columns, ${CUT_SAMPLES} a frame, made rows`]: {
    rows: CUT_SAMPLES,
    frame: columnsFrame(CUT_SAMPLES),
  },
};

const WAYS: Record<string, DecodeOptions> = {
  "zod alone": { maxBytes: LIMITS.agentFrameBytes },
  "compiled checks first": { maxBytes: LIMITS.agentFrameBytes, accept: AGENT_FRAME_CHECKS },
};

/** ns a row to decode every frame once the way `options` says; throws on a frame it refuses. */
function measure(frames: readonly Buffer[], rows: number, options: DecodeOptions): number {
  const start = process.hrtime.bigint();
  for (const frame of frames) {
    const decoded = decode(AGENT_MESSAGES, frame, options);
    if (!decoded.ok) throw new Error(decoded.error.message);
    // As the server reads columns before it relays them (agent-connection.ts).
    if (decoded.message.type === "metrics_columns") metricsBatchOf(decoded.message);
  }
  return Number(process.hrtime.bigint() - start) / (frames.length * rows);
}

/** Each kind's median ns a row by way, for the ratios against the first kind's zod alone. */
const medians: { kind: string; way: string; ns: number }[] = [];
for (const [kind, { rows, frame }] of Object.entries(KINDS)) {
  const frames = Array.from({ length: FRAMES }, (_, i) => frame(i + 1));
  const kib = Math.round(frames.reduce((sum, f) => sum + f.length, 0) / frames.length / 1024);
  const ns: Record<string, number[]> = Object.fromEntries(Object.keys(WAYS).map((way) => [way, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(WAYS) : Object.keys(WAYS).toReversed();
    for (const way of order) {
      const perRow = measure(frames, rows, WAYS[way] as DecodeOptions);
      if (round > 0) ns[way]?.push(perRow); // round 0 warms both up
    }
  }
  const [zod, checks] = Object.keys(WAYS).map((way) => spread(ns[way] ?? []));
  for (const [way, s] of Object.entries({ "zod alone": zod, "compiled checks first": checks })) {
    medians.push({ kind, way, ns: s?.median ?? Number.NaN });
    console.log(
      `${kind}, ${way}: ${s?.median.toFixed(0)} ns a row (${s?.min.toFixed(0)}–${s?.max.toFixed(0)}) over ${ROUNDS} rounds of ${FRAMES} frames of ${rows} (${kib} KiB)`,
    );
  }
  console.log(
    `${kind}: compiled checks first / zod alone = ${((checks?.median ?? 0) / (zod?.median ?? 1)).toFixed(2)}`,
  );
}

const base = medians[0];
for (const { kind, way, ns } of medians) {
  console.log(`${kind}, ${way} / ${base?.kind}, ${base?.way} = ${(ns / (base?.ns ?? 1)).toFixed(2)}`);
}
