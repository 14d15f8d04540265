#!/usr/bin/env node
// The server's entry point. Its Node.js flags come first: without them the process replaces itself
// with one started with them (runtime-flags.ts), before the rest of its code and its npm packages
// load (the bundle keeps serve.ts in a chunk of its own: scripts/build-server.ts).
import { execWithNodeFlags } from "@crowsnest/protocol/node-flags";
import { NODE_FLAGS } from "./runtime-flags.ts";

execWithNodeFlags(process, NODE_FLAGS);
await import("./serve.ts");
