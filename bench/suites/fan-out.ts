/**
 * Figure 5, fan-out: one simulated agent sends a container's metrics (10 samples/s) and logs
 * (100 lines/s in 10 batches) to a real server watched by 10, 100 or 1,000 browser sockets on that
 * container. Reports the messages delivered per second of server CPU and the server's memory per
 * connected socket (peak RSS while delivering minus RSS before any socket connected, over N).
 */
import { containerId, containerInfo, logLine, metricSample } from "../../apps/api/test/support/samples.ts";
import { SimAgent } from "../../apps/api/test/support/sim-agent.ts";
import { BenchBrowser } from "../support/browser.ts";
import { PeakRss, sleep } from "../support/measure.ts";
import type { BenchOptions } from "../support/options.ts";
import { CpuMeter, rssBytes } from "../support/process-cpu.ts";
import { startSeededServer } from "../support/seeded-server.ts";

export const SUBSCRIBERS = [10, 100, 1_000];
const TICK_MS = 100;
const LINES_PER_TICK = 10;

export interface FanOutRun {
  subscribers: number;
  run: number;
  /** What full delivery would be: every socket gets every metrics and logs message. */
  expectedPerSecond: number;
  messagesPerSecond: number;
  /** The harness's own CPU: its sockets parse every message, on the same two cores. */
  clientCpuPercent: number;
  serverCpuPercent: number;
  /** Messages delivered per second for each core-second the server used. */
  messagesPerCoreSecond: number;
  rssPerSubscriberKiB: number;
}

export async function fanOutSuite(options: BenchOptions, log: (line: string) => void): Promise<FanOutRun[]> {
  const measureMs = options.quick ? 3_000 : 5_000;
  const runs: FanOutRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const subscribers of SUBSCRIBERS) {
      const result = await fanOutRun(subscribers, run, measureMs);
      log(
        `fan-out ${subscribers} subscribers, run ${run}: ${Math.round(result.messagesPerSecond)} msgs/s at ${Math.round(result.serverCpuPercent)} % CPU, ${Math.round(result.rssPerSubscriberKiB)} KiB per socket`,
      );
      runs.push(result);
    }
  }
  return runs;
}

async function fanOutRun(subscribers: number, run: number, measureMs: number): Promise<FanOutRun> {
  // A fresh server each time, so that one size's sockets and garbage do not weigh on the next.
  const seeded = await startSeededServer(1);
  const host = seeded.hosts[0] as { hostId: string; token: string };
  const id = containerId();
  const agent = await SimAgent.connect(seeded.server.agentUrl, host.token, {
    containers: [containerInfo(id, "fan")],
  });
  let sequence = 0;
  const timer = setInterval(() => {
    const t = Date.now();
    agent.send({ type: "metrics", samples: [metricSample(id, t)] });
    const lines = Array.from({ length: LINES_PER_TICK }, () =>
      logLine(id, t, `line ${sequence++} of the fan-out benchmark`),
    );
    agent.send({ type: "logs", lines, drops: [] });
  }, TICK_MS);
  try {
    await sleep(1_000);
    const baseRss = rssBytes([seeded.server.process.pid]);
    const topic = { kind: "container", hostId: host.hostId, containerId: id } as const;
    const browsers = await BenchBrowser.openMany(
      subscribers,
      seeded.liveUrl,
      seeded.server.baseUrl,
      seeded.cookie,
      topic,
    );
    await sleep(1_000);
    for (const b of browsers) b.reset();
    const cpu = new CpuMeter(() => [seeded.server.process.pid]);
    const client = new CpuMeter(() => [process.pid]);
    client.start();
    const rss = new PeakRss(() => [seeded.server.process.pid]);
    cpu.start();
    rss.start();
    const started = performance.now();
    await sleep(measureMs);
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpu.stop();
    const clientCpuSeconds = client.stop();
    const peakMiB = rss.stopMiB();
    const messages = browsers.reduce((n, b) => n + b.messages, 0);
    for (const b of browsers) b.close();
    return {
      subscribers,
      run,
      expectedPerSecond: (subscribers * 2 * 1000) / TICK_MS,
      messagesPerSecond: messages / seconds,
      clientCpuPercent: (100 * clientCpuSeconds) / seconds,
      serverCpuPercent: (100 * cpuSeconds) / seconds,
      messagesPerCoreSecond: messages / cpuSeconds,
      rssPerSubscriberKiB: (peakMiB * 2 ** 20 - baseRss) / subscribers / 1024,
    };
  } finally {
    clearInterval(timer);
    await agent.close();
    await seeded.stop();
  }
}
