import {
  type AcceptCheck,
  AGENT_MESSAGES,
  columnLengthsAgree,
  type MetricsColumnsBatch,
} from "@crowsnest/protocol";
import { Ajv2020 } from "ajv/dist/2020.js";
import { z } from "zod";

/**
 * The agent message that comes by the hundred thousand rows a second, the metrics batch (as rows
 * and as columns), checked first by a validator that Ajv compiles from its zod schema
 * (`z.toJSONSchema`): zod's parse took about 1.3 times as long (bench/suites/agent-frames.ts,
 * BENCHMARKS.md figure 3), on the event loop. Only a schema that JSON Schema states whole (plain
 * objects, numbers' and strings' bounds, patterns, no `transform`), but for a `refine` that
 * REFINED checks too (`toJSONSchema` leaves it out). A frame the check refuses goes to zod, which
 * says why; one it accepts is zod's output too, but for the order of its keys (the wire's, where
 * zod's output has the schema's): so only a message whose every reader takes keys by name, as the
 * metrics batch's digest does (a fixed layout, batch-digest.ts). A logs batch's digest hashes its
 * JSON, so it stays with zod (it gained little: 0.94).
 * `test/telemetry/agent-frame-checks.test.ts` compares both on generated and hostile input.
 */
const CHECKED = ["metrics", "metrics_columns"] as const;

const ajv = new Ajv2020({
  // As zod's object schemas: keys they do not name are dropped from the value, not refused. (String
  // lengths: both count code points.)
  removeAdditional: "all",
});

/** What a message type's schema refines beyond what JSON Schema states, checked after Ajv accepted. */
const REFINED: Partial<Record<(typeof CHECKED)[number], (value: unknown) => boolean>> = {
  metrics_columns: (value) => columnLengthsAgree((value as MetricsColumnsBatch).columns),
};

/** By message type, each check compiled once as the server loads (DecodeOptions.accept). */
export const AGENT_FRAME_CHECKS: Readonly<Record<string, AcceptCheck>> = Object.fromEntries(
  CHECKED.map((type) => {
    const compiled = ajv.compile(z.toJSONSchema(AGENT_MESSAGES[type], { io: "input" }));
    const refined = REFINED[type];
    return [type, refined === undefined ? compiled : (value: unknown) => compiled(value) && refined(value)];
  }),
);
