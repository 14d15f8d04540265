#!/usr/bin/env node
// The server's entry point. Its Node.js flags and environment come first: without them the process
// replaces itself with one started with them (runtime-flags.ts), before any of the server's code or
// npm packages load (the bundle keeps serve.ts in a chunk of its own: scripts/build-server.ts).
import { execWithNodeFlags } from "@crowsnest/protocol/node-flags";
import { ENV_DEFAULTS, NODE_FLAGS } from "./runtime-flags.ts";

execWithNodeFlags(process, NODE_FLAGS, { envDefaults: ENV_DEFAULTS });
await import("./serve.ts");
