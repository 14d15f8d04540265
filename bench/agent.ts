/**
 * `npm run bench:agent`: what watching idle containers costs, at a 1 s interval, for
 * crowsnest-agent reading cgroup files, crowsnest-agent using the Engine stats API, and a plain
 * `docker stats` left running (the baseline), with 10, 50 and 100 idle containers, all in one run.
 * For each it measures the watcher's CPU and peak RSS and the CPU of dockerd and containerd
 * (daemon plus its shims). Prints a table and writes it, with the raw numbers, under bench/results/.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { FakeServer } from "../apps/agent/test/helpers/fake-server.ts";
import { ProcessMeter } from "./support/measure.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const IMAGE = "crowsnest-test-busybox:latest";
const LABELS = ["--label", "crowsnest.test=agent", "--label", "crowsnest.bench=agent"];
const COUNTS = [10, 50, 100];
const WATCHERS = ["agent (cgroup)", "agent (stats API)", "docker stats"] as const;
type Watcher = (typeof WATCHERS)[number];
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 5_000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 20_000);
const TOKEN = "bench-agent-token-0123456789abcdef0123";

interface Row {
  containers: number;
  watcher: Watcher;
  watcherCpuPercent: number;
  watcherRssMiB: number;
  dockerdCpuPercent: number;
  containerdCpuPercent: number;
  /** Metric samples per second the stand-in server received (agent rows only). */
  samplesPerSecond: number | null;
  /** Set when the watcher gave up (the docker CLI exits on "timeout waiting for stats"). */
  failure: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function benchContainers(): Promise<string[]> {
  return (await docker("ps", "-aq", "--no-trunc", "--filter", "label=crowsnest.bench=agent"))
    .split("\n")
    .filter(Boolean);
}

async function removeBenchContainers(): Promise<void> {
  const ids = await benchContainers();
  if (ids.length > 0) await docker("rm", "-f", ...ids);
}

/** Idle containers: a sleeping busybox, never networked. */
async function startContainers(count: number): Promise<void> {
  for (let started = 0; started < count; started += 10) {
    const batch = Math.min(10, count - started);
    await Promise.all(
      Array.from({ length: batch }, () =>
        docker("run", "-d", "--network", "none", ...LABELS, IMAGE, "sleep", "1000000"),
      ),
    );
  }
}

/** Pids whose command name (/proc/<pid>/comm) matches. */
function pidsNamed(match: (comm: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (match(readFileSync(`/proc/${entry}/comm`, "utf8").trim())) pids.push(Number(entry));
    } catch {
      // The process exited between readdir and read: it has nothing to measure.
    }
  }
  return pids;
}

const TICKS_PER_SECOND = 100; // USER_HZ

/**
 * CPU time (utime + stime) per process of a group. Unlike ProcessMeter (used for the watcher,
 * whose peak RSS matters too) it tolerates a process ending meanwhile: it is left out.
 */
function cpuTicks(pids: number[]): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // the process ended; there is nothing left to read
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks.set(pid, Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

/** CPU ticks spent between two readings by the processes present in both. */
function ticksBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ticks] of after) total += ticks - (before.get(pid) ?? ticks);
  return total;
}

/** The containerd shim of each container is the parent of the container's first process. */
async function shimPids(ids: string[]): Promise<number[]> {
  const pids = (await docker("inspect", "--format", "{{.State.Pid}}", ...ids)).split("\n").map(Number);
  return pids.map((pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  });
}

function startWatcher(watcher: Watcher, ids: string[], server: FakeServer, workDir: string): ChildProcess {
  if (watcher === "docker stats") {
    return spawn("docker", ["stats", "--format", "{{json .}}", ...ids], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const stateDir = mkdtempSync(join(workDir, "state-"));
  const source = watcher === "agent (cgroup)" ? "cgroup" : "api";
  const args = ["--server-url", server.url, "--token", TOKEN, "--state-dir", stateDir, "--interval", "1"];
  return spawn(
    process.execPath,
    [join(ROOT, "apps/agent/src/main.ts"), ...args, "--stats-source", source, "--log-level", "warn"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
}

async function measure(
  containers: number,
  watcher: Watcher,
  ids: string[],
  server: FakeServer,
  workDir: string,
): Promise<Row> {
  const child = startWatcher(watcher, ids, server, workDir);
  await sleep(WARMUP_MS);
  const failed = (when: string): Row => ({
    containers,
    watcher,
    watcherCpuPercent: Number.NaN,
    watcherRssMiB: Number.NaN,
    dockerdCpuPercent: Number.NaN,
    containerdCpuPercent: Number.NaN,
    samplesPerSecond: null,
    failure: `exited with code ${child.exitCode} ${when}`,
  });
  if (child.exitCode !== null) return failed("during warm-up");
  const samplesBefore = countSamples(server);
  const watcherMeter = new ProcessMeter(child.pid ?? 0);
  // ProcessMeter samples /proc/<pid> on a timer; stop it the moment the watcher is reaped.
  let died = false;
  const onExit = () => {
    died = true;
    try {
      watcherMeter.stop();
    } catch {
      // The process is already gone from /proc; this run is reported as failed instead.
    }
  };
  child.once("exit", onExit);
  const dockerd = pidsNamed((c) => c === "dockerd");
  // containerd itself, and the shims of this benchmark's containers.
  const containerd = [...pidsNamed((c) => c === "containerd"), ...(await shimPids(ids))];
  const startedAt = performance.now();
  const dockerdTicks = cpuTicks(dockerd);
  const containerdTicks = cpuTicks(containerd);
  watcherMeter.start();
  await sleep(MEASURE_MS);
  if (died) return failed("while measured");
  child.off("exit", onExit);
  const own = watcherMeter.stop();
  const seconds = (performance.now() - startedAt) / 1000;
  const percent = (ticks: number) => (100 * ticks) / TICKS_PER_SECOND / seconds;
  const row: Row = {
    containers,
    watcher,
    watcherCpuPercent: own.cpuPercent,
    watcherRssMiB: own.maxRssMiB,
    dockerdCpuPercent: percent(ticksBetween(dockerdTicks, cpuTicks(dockerd))),
    containerdCpuPercent: percent(ticksBetween(containerdTicks, cpuTicks(containerd))),
    samplesPerSecond:
      watcher === "docker stats" ? null : (countSamples(server) - samplesBefore) / (MEASURE_MS / 1000),
    failure: null,
  };
  const exited = once(child, "exit");
  // The docker CLI's stats loop does not end on SIGTERM; the agent shuts down gracefully on it.
  child.kill(watcher === "docker stats" ? "SIGKILL" : "SIGTERM");
  await exited;
  return row;
}

function countSamples(server: FakeServer): number {
  return server.storedOf("metrics").reduce((n, batch) => n + batch.samples.length, 0);
}

function table(rows: Row[], others: number): string {
  const f = (n: number) => n.toFixed(1);
  const lines = [
    `| containers | watcher | watcher CPU % | watcher peak RSS MiB | dockerd CPU % | containerd+shims CPU % | samples/s |`,
    `| ---: | --- | ---: | ---: | ---: | ---: | ---: |`,
    ...rows.map((r) =>
      r.failure !== null
        ? `| ${r.containers} | ${r.watcher} | ${r.failure} | | | | |`
        : `| ${r.containers} | ${r.watcher} | ${f(r.watcherCpuPercent)} | ${f(r.watcherRssMiB)} | ${f(r.dockerdCpuPercent)} | ${f(r.containerdCpuPercent)} | ${r.samplesPerSecond === null ? "–" : f(r.samplesPerSecond)} |`,
    ),
  ];
  return [
    `CPU % is of one core, averaged over ${MEASURE_MS / 1000} s after ${WARMUP_MS / 1000} s of warm-up; interval 1 s.`,
    `The agent watches every running container on the Engine: ${others} not made by this benchmark were running at the start.`,
    "dockerd and containerd also serve anything else using this Engine meanwhile (other test suites on a shared machine); the shims counted are this benchmark's containers' own.",
    "",
    ...lines,
  ].join("\n");
}

async function main(): Promise<void> {
  await docker("image", "inspect", IMAGE).catch(() => {
    throw new Error(`${IMAGE} is missing: run scripts/test-env.sh first`);
  });
  await removeBenchContainers();
  const others = (await docker("ps", "-q")).split("\n").filter(Boolean).length;
  const server = new FakeServer({ token: TOKEN });
  await server.start();
  const rows: Row[] = [];
  const workDir = mkdtempSync(join(tmpdir(), "crowsnest-bench-agent-"));
  try {
    for (const count of COUNTS) {
      await startContainers(count - (await benchContainers()).length);
      const ids = await benchContainers();
      for (const watcher of WATCHERS) {
        const row = await measure(count, watcher, ids, server, workDir);
        console.error(
          `measured ${count} containers, ${watcher}: watcher CPU ${row.watcherCpuPercent.toFixed(1)} %`,
        );
        rows.push(row);
      }
    }
  } finally {
    await server.stop();
    await removeBenchContainers();
    rmSync(workDir, { recursive: true, force: true });
  }
  const report = table(rows, others);
  console.log(report);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `agent-${stamp}.md`),
    `# crowsnest-agent benchmark, ${new Date().toISOString()}\n\n${report}\n`,
  );
  writeFileSync(
    join(dir, `agent-${stamp}.json`),
    JSON.stringify({ warmupMs: WARMUP_MS, measureMs: MEASURE_MS, otherContainers: others, rows }, null, 2),
  );
}

await main();
