#!/usr/bin/env node
// The server's entry point. Its Node.js flags and environment come first: without them the process
// replaces itself with one started with them (runtime-flags.ts), before the rest of its code and its
// npm packages load (the bundle keeps serve.ts in a chunk of its own: scripts/build-server.ts).
import { execWithNodeFlags } from "@crowsnest/protocol/node-flags";
import { NODE_ENVIRONMENT, NODE_FLAGS } from "./runtime-flags.ts";

execWithNodeFlags(process, NODE_FLAGS, process.env, NODE_ENVIRONMENT);
await import("./serve.ts");
