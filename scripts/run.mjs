#!/usr/bin/env node
// Starts one of Crowsnest's .ts entry points after checking that this Node.js can run it. Plain
// JavaScript on purpose: an older Node (Debian ships 20) refuses a .ts entry file
// (ERR_UNKNOWN_FILE_EXTENSION) before any of its code runs, so the check cannot live there.
// Usage: node scripts/run.mjs <entry.ts> [arguments...]
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies.node;
const needed = Number(pinned.split(".")[0]);
const running = Number(process.versions.node.split(".")[0]);
const [entry, ...args] = process.argv.slice(2);

if (running < needed) {
  const pinnedNode = join(root, "node_modules", ".bin", "node");
  const command = [relative(process.cwd(), entry ?? ""), ...args].join(" ");
  const instead = existsSync(pinnedNode)
    ? `run it with the pinned one: ${relative(process.cwd(), pinnedNode) || pinnedNode} ${command}\n` +
      "(npm scripts such as `npm run agent -- ...` use it by themselves)"
    : "run `npm install` in the checkout first (it installs the pinned Node.js; `--omit=dev` leaves it out),\n" +
      "then the same npm command again (for the agent: `npm run agent -- ...`)";
  process.stderr.write(
    `crowsnest: this needs Node.js ${needed} (the version pinned in package.json), but ${process.execPath} is Node.js ${process.versions.node}:\n${instead}\n`,
  );
  process.exit(2);
}
if (entry === undefined) {
  process.stderr.write("usage: node scripts/run.mjs <entry.ts> [arguments...]\n");
  process.exit(2);
}
// The entry sees its arguments where it would if started directly: process.argv.slice(2).
const entryPath = resolve(root, entry);
process.argv.splice(1, 2, entryPath);
await import(pathToFileURL(entryPath).href);
