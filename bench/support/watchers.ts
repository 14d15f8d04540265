import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { FakeServer } from "../../apps/agent/test/helpers/fake-server.ts";
import { buildAgent } from "../../scripts/build-agent.ts";
import { freePort, type ManagedProcess, startAgent, waitFor } from "../../test/support/processes.ts";
import { trackChild } from "./cleanup.ts";
import { startNetdata } from "./netdata.ts";
import { processTree } from "./process-cpu.ts";

/** What watches the containers: nothing (the baseline), Crowsnest by collection path, or another tool. */
export const WATCHERS = [
  "none",
  "crowsnest",
  "docker stats",
  "netdata",
  "crowsnest (stats API stream)",
  "crowsnest (stats API one-shot)",
] as const;
export type WatcherName = (typeof WATCHERS)[number];

/** The agent's --stats-source for each Crowsnest variant; "crowsnest" is the default (auto → cgroup files). */
const STATS_SOURCE: Partial<Record<WatcherName, string>> = {
  crowsnest: "auto",
  "crowsnest (stats API stream)": "api",
  "crowsnest (stats API one-shot)": "api-oneshot",
};

export interface Watcher {
  /** The watcher's processes now (a tree: Netdata runs helpers). Empty for "none". */
  pids(): number[];
  root: number | null;
  /** Metric samples received since the last call: reading time and age on arrival (Crowsnest only). */
  takeSamples(): TimedSample[];
  stop(): Promise<void>;
}

export interface TimedSample {
  t: number;
  ageMs: number;
}

const TOKEN = "bench-agent-token-0123456789abcdef0123";

/**
 * Starts a watcher and resolves once it is watching `containers` (Netdata discovers cgroups every
 * 10 s and names each with a docker inspect; the agent once its first samples arrive).
 */
export async function startWatcher(name: WatcherName, containers: number, workDir: string): Promise<Watcher> {
  if (name === "none") return { pids: () => [], root: null, takeSamples: () => [], stop: async () => {} };
  if (name === "docker stats") {
    // No container ids: every running container, as a user leaving it open would see.
    return childWatcher(spawn("docker", ["stats", "--format", "{{json .}}"], { stdio: "ignore" }), "SIGKILL");
  }
  if (name === "netdata") return netdataWatcher(containers, workDir);
  return agentWatcher(STATS_SOURCE[name] as string, containers, workDir);
}

function childWatcher(child: ChildProcess, signal: NodeJS.Signals): Watcher {
  const root = child.pid as number;
  const untrack = trackChild(root);
  return {
    pids: () => processTree(root),
    root,
    takeSamples: () => [],
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill(signal); // the docker CLI's stats loop ignores SIGTERM
        await exited;
      }
      untrack();
    },
  };
}

async function netdataWatcher(containers: number, workDir: string): Promise<Watcher> {
  const port = await freePort();
  const child = startNetdata(mkdtempSync(join(workDir, "netdata-")), port);
  const watcher = childWatcher(child, "SIGTERM");
  try {
    await waitFor(
      `Netdata charting ${containers} containers`,
      async () => {
        if (child.exitCode !== null) throw new Error(`netdata exited with ${child.exitCode}`);
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/charts`);
        const charts = Object.keys(((await res.json()) as { charts: object }).charts);
        return charts.filter((c) => c.startsWith("cgroup_") && c.endsWith(".cpu")).length >= containers;
      },
      300_000,
      1_000,
    );
  } catch (err) {
    await watcher.stop();
    throw err;
  }
  return watcher;
}

/** The agent as users run it: the one-file build, made afresh for each start from the current sources. */
async function agentWatcher(source: string, containers: number, workDir: string): Promise<Watcher> {
  const entry = await buildAgent();
  const server = new FakeServer({ token: TOKEN });
  await server.start();
  const agent: ManagedProcess = startAgent({
    entry,
    serverUrl: server.url,
    token: TOKEN,
    stateDir: mkdtempSync(join(workDir, "agent-")),
    args: ["--stats-source", source],
  });
  const untrack = trackChild(agent.pid);
  let samples: TimedSample[] = [];
  const listening = new WeakSet<object>();
  const stop = async () => {
    await agent.kill("SIGTERM");
    untrack();
    await server.stop();
  };
  try {
    // The fake server stores and acks; this listener only times each sample's arrival.
    await waitFor(
      () => `crowsnest-agent (${source}) sending samples\n${agent.output}`,
      async () => {
        if (!agent.running) throw new Error(`agent exited:\n${agent.output}`);
        for (const socket of server.sockets) {
          if (listening.has(socket)) continue;
          listening.add(socket);
          socket.on("message", (data: Buffer) => {
            const now = Date.now();
            const message = JSON.parse(data.toString("utf8")) as { type: string; samples?: { t: number }[] };
            if (message.type === "metrics")
              for (const { t } of message.samples ?? []) samples.push({ t, ageMs: now - t });
          });
        }
        return samples.length >= containers;
      },
      60_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pids: () => (agent.running ? [agent.pid] : []),
    root: agent.pid,
    takeSamples() {
      const taken = samples;
      samples = [];
      return taken;
    },
    stop,
  };
}
