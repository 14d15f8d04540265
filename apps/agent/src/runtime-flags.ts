/**
 * The Node.js flags the agent runs with, whichever way it is started: its `bin`, `node` on the
 * one-file build, the container image, the systemd unit or `npm run agent`. main.ts applies them by
 * re-executing the process (execWithAgentFlags), so they are defined here and nowhere else. Each
 * one's effect, measured at 200 idle containers: BENCHMARKS.md, "Agent footprint".
 */
import { execWithNodeFlags } from "@crowsnest/protocol/node-flags";

export const NODE_FLAGS: readonly string[] = [
  // V8's young generation grows each semi-space up to 16 MiB under a steady allocation rate (every
  // sample and log line is short-lived); capped at 1 MiB, scavenges are more frequent and smaller.
  "--max-semi-space-size=1",
  // No V8 worker threads: garbage collection and compilation run on the main thread, which an agent
  // idle between its once-a-second rounds has to spare; each worker would keep its own buffers.
  "--single-threaded",
  // V8's interpreter only: no optimizing compiler whose code and buffers stay resident (about 8 MiB of
  // Node's own binary paged in, a few MiB of compiled code). The agent's work per sample is small
  // enough that its CPU stays within the 3 % of a core at 200 containers.
  "--jitless",
];

/**
 * Flags that turn WebAssembly off, which Node's type stripping needs: left out when the agent runs
 * from its .ts sources (`npm run agent`, tests of the sources), kept for the one-file build.
 */
const NO_WEBASSEMBLY = new Set(["--jitless"]);

/** The script started is a .ts file only when the agent runs from its sources under type stripping. */
const FROM_SOURCES = process.argv[1]?.endsWith(".ts") === true;

/** NODE_FLAGS that apply to this run: all of them, but for WebAssembly's when running from sources. */
export function nodeFlags(fromSources = FROM_SOURCES): string[] {
  return NODE_FLAGS.filter((flag) => !(fromSources && NO_WEBASSEMBLY.has(flag)));
}

/** How a re-executed agent is told when its process was first started (see processStartedMs). */
const STARTED_ENV = "CROWSNEST_AGENT_STARTED_MS";

/**
 * When the agent's process was started, epoch ms. `performance.timeOrigin` starts again with the
 * image execWithAgentFlags puts in place, so that one is told the first image's time in its
 * environment (taken out of it here: nothing the agent runs inherits it).
 */
export const processStartedMs: number = ((): number => {
  const passed = Number(process.env[STARTED_ENV]);
  delete process.env[STARTED_ENV];
  return Number.isFinite(passed) && passed > 0 ? passed : performance.timeOrigin;
})();

/**
 * Re-executes the agent with the flags of nodeFlags() it lacks (execWithNodeFlags), its environment
 * telling the new image processStartedMs. Returns where execWithNodeFlags does (every flag already
 * applies, an IPC channel, execve refused): the agent then runs as it was started.
 */
export function execWithAgentFlags(proc: NodeJS.Process): void {
  execWithNodeFlags(proc, nodeFlags(), { ...proc.env, [STARTED_ENV]: String(processStartedMs) });
}
