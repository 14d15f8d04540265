#!/usr/bin/env node
// The agent's entry point. Its Node.js flags come first: without them the process replaces itself
// with one started with them (runtime-flags.ts), before any of the agent's code is loaded.
import { execWithNodeFlags } from "./runtime-flags.ts";

execWithNodeFlags(process);
await import("./cli.ts");
