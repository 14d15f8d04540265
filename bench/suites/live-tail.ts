/**
 * Figure 4, live tail latency: a container writes numbered lines at a set rate; a real agent
 * follows its logs and samples its cgroup files every second; a real server relays both to 1 or
 * 10 browser sockets. Latency is a line's arrival at a socket minus its Docker timestamp (taken
 * as the daemon reads it off the container's stdout), and a sample's arrival minus its reading time.
 * Meanwhile `/api/health` is asked over and over, one request at a time: its answer time shows how
 * long the server's event loop is held up while it ingests, stores and relays at that rate.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { numberedLinesScript } from "../../test/support/containers.ts";
import { docker } from "../../test/support/docker-cli.ts";
import { startAgent, waitFor } from "../../test/support/processes.ts";
import { startBenchContainer } from "../support/bench-containers.ts";
import { BenchBrowser } from "../support/browser.ts";
import { trackChild } from "../support/cleanup.ts";
import { percentile } from "../support/measure.ts";
import type { BenchOptions } from "../support/options.ts";
import { timeHealth } from "../support/responsiveness.ts";
import { startSeededServer } from "../support/seeded-server.ts";

export const LINE_RATES = [100, 1_000];
export const VIEWERS = [1, 10];

export interface LiveTailRun {
  linesPerSecond: number;
  /** What the shell loop in the container really wrote, per second (it falls a little short). */
  measuredLinesPerSecond: number;
  viewers: number;
  run: number;
  lines: number;
  lineP50Ms: number;
  lineP99Ms: number;
  samples: number;
  sampleP50Ms: number;
  sampleP99Ms: number;
  /** `/api/health` answers timed during the window, and their p99 (ms). */
  healthRequests: number;
  healthP99Ms: number;
  /** Every latency, for the distribution plot. */
  lineLatencies: number[];
  sampleLatencies: number[];
}

export async function liveTailSuite(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<LiveTailRun[]> {
  const measureMs = options.quick ? 4_000 : 6_000;
  const seeded = await startSeededServer(1);
  const host = seeded.hosts[0] as { hostId: string; token: string };
  const stateDir = mkdtempSync(join(tmpdir(), "crowsnest-bench-tail-"));
  // The agent's default per-container rate limit (1,000 lines/s) would drop lines at the top rate.
  const agent = startAgent({
    serverUrl: seeded.server.agentUrl,
    token: host.token,
    stateDir,
    args: ["--log-rate", "100000"],
  });
  const untrack = trackChild(agent.pid);
  const runs: LiveTailRun[] = [];
  try {
    for (const linesPerSecond of LINE_RATES) {
      const containerId = await startBenchContainer(numberedLinesScript(linesPerSecond));
      const topic = { kind: "container", hostId: host.hostId, containerId } as const;
      for (const viewers of VIEWERS) {
        for (let run = 1; run <= options.runs; run++) {
          const browsers = await BenchBrowser.openMany(
            viewers,
            seeded.liveUrl,
            seeded.server.baseUrl,
            seeded.cookie,
            topic,
          );
          await waitFor("lines and samples on the live sockets", async () =>
            browsers.every((b) => b.lineLatencies.length > 0 && b.sampleLatencies.length > 0),
          );
          for (const b of browsers) b.reset();
          const started = performance.now();
          const healthLatencies = await timeHealth(seeded.server.baseUrl, measureMs);
          const seconds = (performance.now() - started) / 1000;
          const lineLatencies = browsers.flatMap((b) => b.lineLatencies);
          const sampleLatencies = browsers.flatMap((b) => b.sampleLatencies);
          for (const b of browsers) b.close();
          const result: LiveTailRun = {
            linesPerSecond,
            measuredLinesPerSecond: lineLatencies.length / viewers / seconds,
            viewers,
            run,
            lines: lineLatencies.length,
            lineP50Ms: percentile(lineLatencies, 50),
            lineP99Ms: percentile(lineLatencies, 99),
            samples: sampleLatencies.length,
            sampleP50Ms: percentile(sampleLatencies, 50),
            sampleP99Ms: percentile(sampleLatencies, 99),
            healthRequests: healthLatencies.length,
            healthP99Ms: percentile(healthLatencies, 99),
            lineLatencies,
            sampleLatencies,
          };
          log(
            `live tail ${linesPerSecond} lines/s, ${viewers} viewers, run ${run}: line p50 ${result.lineP50Ms} ms p99 ${result.lineP99Ms} ms, sample p50 ${result.sampleP50Ms} ms, /api/health p99 ${result.healthP99Ms} ms`,
          );
          runs.push(result);
        }
      }
      await docker("rm", "-f", containerId);
    }
  } finally {
    await agent.kill();
    untrack();
    await seeded.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return runs;
}
