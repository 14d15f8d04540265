#!/usr/bin/env node
// The agent's entry point. Its Node.js flags come first: without them the process replaces itself
// with one started with them (runtime-flags.ts), before any of the agent's code is loaded. No
// top-level await: the one-file build is a CommonJS script (scripts/build-agent.ts says why).
import { nodeTooOld } from "./node-version.ts";
import { execWithAgentFlags } from "./runtime-flags.ts";

const tooOld = nodeTooOld(process.versions.node);
if (tooOld !== null) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}
execWithAgentFlags(process);
void import("./cli.ts").then((cli) => cli.runAgent());
