import { type AcceptCheck, AGENT_MESSAGES } from "@crowsnest/protocol";
import { Ajv2020 } from "ajv/dist/2020.js";
import { z } from "zod";

/**
 * The agent messages that come by the thousand a second, as batches of hundreds of rows, checked
 * first by validators that Ajv compiles from their zod schemas (`z.toJSONSchema`): zod's parse took
 * about four times as long a sample (bench/suites/agent-frames.ts, BENCHMARKS.md), and it runs on
 * the event loop. Only schemas that JSON Schema states whole: plain objects, numbers' and strings'
 * bounds, patterns, no `transform` or `refine` (which `toJSONSchema` would leave out). A frame such a
 * check refuses goes to zod, which says why; one it accepts is zod's output too, which
 * `test/ingest/agent-frame-checks.test.ts` compares on generated and hostile input.
 */
const CHECKED = ["metrics", "logs"] as const;

const ajv = new Ajv2020({
  // As zod's object schemas: keys they do not name are dropped from the value, not refused. (String
  // lengths: both count code points.)
  removeAdditional: "all",
  allErrors: false,
});

/** By message type, each check compiled once as the server loads (DecodeOptions.accept). */
export const AGENT_FRAME_CHECKS: Readonly<Record<string, AcceptCheck>> = Object.fromEntries(
  CHECKED.map((type) => [type, ajv.compile(z.toJSONSchema(AGENT_MESSAGES[type], { io: "input" }))]),
);
