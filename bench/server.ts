/**
 * `npm run bench:server`: a real crowsnest-server process fed by protocol-level simulated agents
 * (50 hosts × 40 containers, metrics every second, 5,000 log lines/s in total at the base rate)
 * and watched by 100 browser sockets. The load is raised stage by stage until the server saturates
 * one core. Prints a table and writes it, with the raw numbers, under bench/results/.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../apps/api/src/config.ts";
import { createHostWithCredential } from "../apps/api/src/ingest/create-host.ts";
import { openStore } from "../apps/api/src/store/open-store.ts";
import { containerId, containerInfo, logLine, metricSample } from "../apps/api/test/support/samples.ts";
import { type BatchBody, SimAgent } from "../apps/api/test/support/sim-agent.ts";
import { BenchBrowser } from "./support/browser.ts";
import { ProcessMeter, percentile } from "./support/measure.ts";

const HOSTS = 50;
const CONTAINERS = 40;
const BROWSERS = 100;
const BASE_LINES_PER_SECOND = 5_000;
const STAGE_MS = Number(process.env.BENCH_STAGE_MS ?? 12_000);
const WARMUP_MS = 2_000;
const MULTIPLIERS = [1, 2, 4, 8, 16];
/** An agent with this many unacked batches skips a tick, as a real agent's outbox would hold them. */
const MAX_UNACKED = 100;
const ADMIN_PASSWORD = "bench-admin-password";
const ROOT = resolve(import.meta.dirname, "..");

interface Stage {
  multiplier: number;
  targetSamplesPerSecond: number;
  targetLinesPerSecond: number;
  samplesPerSecond: number;
  linesPerSecond: number;
  ackP50: number;
  ackP99: number;
  browserP50: number;
  browserP99: number;
  browserMessagesPerSecond: number;
  serverCpuPercent: number;
  serverRssMiB: number;
  benchCpuPercent: number;
  skippedTicks: number;
}

interface SimHost {
  agent: SimAgent;
  hostId: string;
  containers: string[];
  unacked: number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-bench-"));
  const port = Number(process.env.BENCH_PORT ?? 18080);
  const config = loadConfig(["--data-dir", dataDir, "--port", String(port)], {});
  const store = openStore(config);
  const credentials: { hostId: string; token: string }[] = [];
  for (let i = 0; i < HOSTS; i++) {
    const { host, token } = await createHostWithCredential(store, `bench-${i}`, Date.now());
    credentials.push({ hostId: host.id, token });
  }
  await store.close();

  const server = spawn(process.execPath, [join(ROOT, "apps/api/src/main.ts")], {
    env: {
      ...process.env,
      CROWSNEST_PORT: String(port),
      CROWSNEST_HOST: "127.0.0.1",
      CROWSNEST_DATA_DIR: dataDir,
      CROWSNEST_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CROWSNEST_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  try {
    await runStages(server, port, credentials);
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function runStages(
  server: ChildProcess,
  port: number,
  credentials: { hostId: string; token: string }[],
) {
  const base = `http://127.0.0.1:${port}`;
  await waitForHealth(base, server);
  const cookie = await login(base);
  const hosts: SimHost[] = [];
  for (const { hostId, token } of credentials) {
    const containers = Array.from({ length: CONTAINERS }, () => containerId());
    const agent = await SimAgent.connect(`ws://127.0.0.1:${port}/ws/agent`, token, {
      containers: containers.map((id, i) => containerInfo(id, `c${i}`)),
    });
    hosts.push({ agent, hostId, containers, unacked: 0 });
  }
  // Each browser watches one host (summary metrics of its 40 containers) and one container (its logs).
  const browsers: BenchBrowser[] = [];
  for (let i = 0; i < BROWSERS; i++) {
    const host = hosts[i % HOSTS] as SimHost;
    const browser = await BenchBrowser.open(`ws://127.0.0.1:${port}/ws/live`, base, cookie);
    browser.subscribe({ kind: "host", hostId: host.hostId });
    browser.subscribe({
      kind: "container",
      hostId: host.hostId,
      containerId: host.containers[i % CONTAINERS] as string,
    });
    browsers.push(browser);
  }

  const meter = new ProcessMeter(server.pid as number);
  const self = new ProcessMeter(process.pid);
  const stages: Stage[] = [];
  for (const multiplier of MULTIPLIERS) {
    const stage = await runStage(multiplier, hosts, browsers, meter, self);
    stages.push(stage);
    printStage(stage, stages.length === 1);
    const saturated =
      stage.serverCpuPercent >= 95 ||
      stage.samplesPerSecond < 0.9 * stage.targetSamplesPerSecond ||
      stage.linesPerSecond < 0.9 * stage.targetLinesPerSecond;
    if (saturated) break;
  }
  for (const b of browsers) b.close();
  for (const h of hosts) await h.agent.close();
  writeResults(stages);
}

async function runStage(
  multiplier: number,
  hosts: SimHost[],
  browsers: BenchBrowser[],
  meter: ProcessMeter,
  self: ProcessMeter,
): Promise<Stage> {
  const ticksPerSecond = multiplier;
  const linesPerTick = Math.round((BASE_LINES_PER_SECOND * multiplier) / HOSTS / ticksPerSecond);
  const acks: number[] = [];
  let samples = 0;
  let lines = 0;
  let skipped = 0;
  let counting = false;
  let sequence = 0;
  const tick = (host: SimHost) => {
    if (host.unacked >= MAX_UNACKED) {
      skipped++;
      return;
    }
    const t = Date.now();
    const batch = host.containers.map((id, i) => metricSample(id, t, (i % 7) * 3.5, 1_000_000 + i));
    const logBatch = Array.from({ length: linesPerTick }, (_, i) => {
      const id = host.containers[(sequence + i) % CONTAINERS] as string;
      return logLine(
        id,
        t,
        `GET /api/items/${sequence++} 200 ${i % 97}ms user=u${i % 13} trace=${t.toString(16)}`,
      );
    });
    const send = (body: BatchBody, count: number, kind: "samples" | "lines") => {
      host.unacked++;
      const sentAt = performance.now();
      const wasCounting = counting;
      host.agent.send(body).acked.then(() => {
        host.unacked--;
        if (!wasCounting || !counting) return;
        acks.push(performance.now() - sentAt);
        if (kind === "samples") samples += count;
        else lines += count;
      }, console.error);
    };
    send({ type: "metrics", samples: batch }, batch.length, "samples");
    send({ type: "logs", lines: logBatch, drops: [] }, logBatch.length, "lines");
  };
  // Spread the agents over the tick period, as independent hosts would be.
  const periodMs = 1000 / ticksPerSecond;
  const timers = hosts.map((host, i) => {
    let interval: NodeJS.Timeout | undefined;
    const start = setTimeout(
      () => {
        tick(host);
        interval = setInterval(() => tick(host), periodMs);
      },
      (i * periodMs) / hosts.length,
    );
    return () => {
      clearTimeout(start);
      if (interval) clearInterval(interval);
    };
  });
  await sleep(WARMUP_MS);
  for (const b of browsers) b.reset();
  counting = true;
  meter.start();
  self.start();
  const started = performance.now();
  await sleep(STAGE_MS);
  const seconds = (performance.now() - started) / 1000;
  const server = meter.stop();
  const bench = self.stop();
  counting = false;
  for (const stop of timers) stop();
  const latencies = browsers.flatMap((b) => b.latencies);
  const messages = browsers.reduce((n, b) => n + b.messages, 0);
  await sleep(1_000); // let the stage's last acks arrive before the next one starts
  return {
    multiplier,
    targetSamplesPerSecond: HOSTS * CONTAINERS * ticksPerSecond,
    targetLinesPerSecond: HOSTS * linesPerTick * ticksPerSecond,
    samplesPerSecond: samples / seconds,
    linesPerSecond: lines / seconds,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    browserP50: percentile(latencies, 50),
    browserP99: percentile(latencies, 99),
    browserMessagesPerSecond: messages / seconds,
    serverCpuPercent: server.cpuPercent,
    serverRssMiB: server.maxRssMiB,
    benchCpuPercent: bench.cpuPercent,
    skippedTicks: skipped,
  };
}

const COLUMNS: [string, (s: Stage) => string][] = [
  ["load", (s) => `${s.multiplier}x`],
  ["samples/s target", (s) => fmt(s.targetSamplesPerSecond)],
  ["samples/s stored", (s) => fmt(s.samplesPerSecond)],
  ["lines/s target", (s) => fmt(s.targetLinesPerSecond)],
  ["lines/s stored", (s) => fmt(s.linesPerSecond)],
  ["ack p50 ms", (s) => fmt(s.ackP50, 1)],
  ["ack p99 ms", (s) => fmt(s.ackP99, 1)],
  ["agent→browser p50 ms", (s) => fmt(s.browserP50, 1)],
  ["agent→browser p99 ms", (s) => fmt(s.browserP99, 1)],
  ["browser msgs/s", (s) => fmt(s.browserMessagesPerSecond)],
  ["server CPU % of a core", (s) => fmt(s.serverCpuPercent)],
  ["server RSS MiB", (s) => fmt(s.serverRssMiB)],
  ["bench CPU %", (s) => fmt(s.benchCpuPercent)],
  ["skipped ticks", (s) => String(s.skippedTicks)],
];

function printStage(stage: Stage, header: boolean): void {
  if (header) console.log(COLUMNS.map(([name]) => name).join(" | "));
  console.log(COLUMNS.map(([, value]) => value(stage)).join(" | "));
}

function writeResults(stages: Stage[]): void {
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const cpuInfo = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
  const saturating = stages.find(
    (s) => s.serverCpuPercent >= 95 || s.samplesPerSecond < 0.9 * s.targetSamplesPerSecond,
  );
  const table = [
    `# crowsnest-server benchmark, ${new Date().toISOString()}`,
    "",
    `${HOSTS} simulated agents × ${CONTAINERS} containers, ${BROWSERS} browser sockets (each: one host + one container), ` +
      `${STAGE_MS / 1000} s per stage after ${WARMUP_MS / 1000} s warm-up; Node ${process.version}; ${cpuInfo}.`,
    "Load 1x = metrics every second per container + 5,000 log lines/s in total; Nx sends N times as often.",
    "The load generator runs on the same machine (its CPU is the `bench CPU %` column).",
    `Load average when it finished: ${loadavg()
      .map((n) => n.toFixed(1))
      .join(" ")} (other work on the machine skews results).`,
    "",
    `| ${COLUMNS.map(([name]) => name).join(" | ")} |`,
    `| ${COLUMNS.map(() => "---").join(" | ")} |`,
    ...stages.map((s) => `| ${COLUMNS.map(([, value]) => value(s)).join(" | ")} |`),
    "",
    saturating
      ? `Saturation: at ${saturating.multiplier}x (${fmt(saturating.targetSamplesPerSecond)} samples/s + ${fmt(saturating.targetLinesPerSecond)} lines/s offered) the server used ${fmt(saturating.serverCpuPercent)} % of a core and stored ${fmt(saturating.samplesPerSecond)} samples/s + ${fmt(saturating.linesPerSecond)} lines/s.`
      : `No saturation up to ${stages.at(-1)?.multiplier}x.`,
    "",
  ].join("\n");
  writeFileSync(join(dir, `server-${stamp}.md`), table);
  writeFileSync(join(dir, `server-${stamp}.json`), `${JSON.stringify(stages, null, 2)}\n`);
  console.log(`\n${table}\nwritten to bench/results/server-${stamp}.md`);
}

async function waitForHealth(base: string, server: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error("the server did not start");
}

async function login(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
  });
  const cookie = res.headers.getSetCookie()[0]?.split(";")[0];
  if (!res.ok || !cookie) throw new Error(`login failed: ${res.status}`);
  return cookie;
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

await main();
