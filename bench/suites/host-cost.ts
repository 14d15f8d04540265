/**
 * Figures 1 and 2, the host cost of watching N idle containers at a 1 s interval: for each
 * watcher, its own CPU and peak RSS, and the CPU of dockerd and containerd (with every shim)
 * meanwhile, against a baseline with no watcher measured in the same round. The Crowsnest agent
 * is measured on each of its collection paths, switched by --stats-source, at one container count.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureIdleContainers, otherRunningContainers } from "../support/bench-containers.ts";
import { PeakRss, percentile, sleep } from "../support/measure.ts";
import { NETDATA_COMMANDS, netdataInstalled } from "../support/netdata.ts";
import type { BenchOptions } from "../support/options.ts";
import { CpuMeter, pidsNamed } from "../support/process-cpu.ts";
import { startWatcher, type Watcher, type WatcherName } from "../support/watchers.ts";

export const CONTAINER_COUNTS = [10, 50, 100, 200];
/** The count at which the three collection paths are compared. */
export const PATHS_AT = 100;
/** Started afresh for every run, in turn, so that drifting background load hits each alike. */
const INTERLEAVED: WatcherName[] = ["none", "crowsnest", "docker stats"];
const PATHS: WatcherName[] = ["crowsnest (stats API stream)", "crowsnest (stats API one-shot)"];

export interface HostCostRow {
  containers: number;
  /** Running containers on the Engine not made by the harness: every watcher sees them too. */
  others: number;
  watcher: WatcherName;
  run: number;
  seconds: number;
  watcherCpuSeconds: number;
  dockerdCpuSeconds: number;
  containerdCpuSeconds: number;
  watcherRssMiB: number;
  /**
   * fs.inotify.max_user_instances during the window (NaN where unreadable): dockerd watches each
   * followed log with one inotify instance and polls the logs past the limit, at a CPU cost.
   */
  inotifyInstances: number;
  samples: number;
  sampleAgeP50Ms: number;
  sampleAgeP99Ms: number;
  failure: string | null;
}

export async function hostCostSuite(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<HostCostRow[]> {
  // BENCH_HOST_COST_COUNTS=200 (a comma list): those counts only, e.g. one figure measured again.
  const only = process.env.BENCH_HOST_COST_COUNTS?.split(",").map(Number);
  const counts = only ?? (options.quick ? [10, 50] : CONTAINER_COUNTS);
  const measureMs = options.quick ? 4_000 : 6_000;
  const warmupMs = 1_000;
  const workDir = mkdtempSync(join(tmpdir(), "crowsnest-bench-host-"));
  const rows: HostCostRow[] = [];
  try {
    for (const containers of counts) {
      await ensureIdleContainers(containers);
      const timing = { measureMs, warmupMs, workDir };
      const watchers = containers === PATHS_AT || options.quick ? [...INTERLEAVED, ...PATHS] : INTERLEAVED;
      const runs = Array.from({ length: options.runs }, (_, i) => i + 1);
      for (const run of runs) {
        for (const watcher of watchers)
          rows.push(...logged(await measure(watcher, containers, [run], timing)));
      }
      // Netdata names each new container with a docker inspect and a network probe, one at a time:
      // minutes at 200 containers here. So it is started once per count and measured over
      // consecutive windows, one per run.
      if (netdataInstalled()) rows.push(...logged(await measureNetdata(containers, runs, timing)));
      else
        rows.push(
          ...logged(runs.map((run) => ({ ...emptyRow("netdata", containers, run), failure: NO_NETDATA }))),
        );
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return rows;

  function logged(measured: HostCostRow[]): HostCostRow[] {
    for (const r of measured) {
      const cpu = `${((100 * r.watcherCpuSeconds) / r.seconds).toFixed(1)} % CPU`;
      log(`host cost ${r.containers} containers, ${r.watcher}, run ${r.run}: ${r.failure ?? cpu}`);
    }
    return measured;
  }
}

const NO_NETDATA = "not measured: Netdata is not installed on this machine (apt-get install -y netdata)";

/**
 * Netdata measured, then made sure to be gone: any Netdata process (or helper) that was not running
 * before and outlived the stop is killed, so that none keeps running, and costing CPU, after the bench.
 */
async function measureNetdata(containers: number, runs: number[], timing: Timing): Promise<HostCostRow[]> {
  const before = new Set(pidsNamed(...NETDATA_COMMANDS));
  try {
    return await measure("netdata", containers, runs, timing);
  } finally {
    for (const pid of pidsNamed(...NETDATA_COMMANDS)) {
      if (before.has(pid)) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
  }
}

interface Timing {
  measureMs: number;
  warmupMs: number;
  workDir: string;
}

/** Starts the watcher once and measures one window per run. */
async function measure(name: WatcherName, containers: number, runs: number[], timing: Timing) {
  const failed = (failure: string) => runs.map((run) => ({ ...emptyRow(name, containers, run), failure }));
  let watcher: Watcher;
  try {
    watcher = await startWatcher(name, containers, timing.workDir);
  } catch (err) {
    return failed(`did not start: ${firstLine(err)}`);
  }
  try {
    await sleep(timing.warmupMs);
    const rows: HostCostRow[] = [];
    for (const run of runs) rows.push(await measureWindow(watcher, name, containers, run, timing));
    return rows;
  } catch (err) {
    return failed(firstLine(err));
  } finally {
    await watcher.stop().catch(() => {});
  }
}

function emptyRow(name: WatcherName, containers: number, run: number): HostCostRow {
  return {
    containers,
    others: Number.NaN,
    watcher: name,
    run,
    seconds: Number.NaN,
    watcherCpuSeconds: Number.NaN,
    dockerdCpuSeconds: Number.NaN,
    containerdCpuSeconds: Number.NaN,
    watcherRssMiB: Number.NaN,
    inotifyInstances: Number.NaN,
    samples: 0,
    sampleAgeP50Ms: Number.NaN,
    sampleAgeP99Ms: Number.NaN,
    failure: null,
  };
}

async function measureWindow(
  watcher: Watcher,
  name: WatcherName,
  containers: number,
  run: number,
  timing: Timing,
): Promise<HostCostRow> {
  const row = {
    ...emptyRow(name, containers, run),
    others: await otherRunningContainers(),
    inotifyInstances: inotifyInstanceLimit(),
  };
  const dockerdBefore = pidsNamed("dockerd").join();
  const own = new CpuMeter(watcher.pids, watcher.root === null ? [] : [watcher.root]);
  const rss = new PeakRss(watcher.pids);
  const dockerd = new CpuMeter(() => pidsNamed("dockerd"));
  const containerd = new CpuMeter(() =>
    pidsNamed("containerd", "containerd-shim", "containerd-shim-runc-v2"),
  );
  for (const meter of [own, dockerd, containerd]) meter.start();
  rss.start();
  watcher.takeSamples();
  const started = performance.now();
  const startedAt = Date.now();
  await sleep(timing.measureMs);
  const endedAt = Date.now();
  const seconds = (performance.now() - started) / 1000;
  const peakRssMiB = rss.stopMiB();
  const measured = {
    seconds,
    watcherCpuSeconds: own.stop(),
    dockerdCpuSeconds: dockerd.stop(),
    containerdCpuSeconds: containerd.stop(),
    watcherRssMiB: name === "none" ? Number.NaN : peakRssMiB,
  };
  // Samples are counted by when they were read, not when they arrived: a round read inside the
  // window but delivered after it still counts (a stats stream's reading can be ~1 s old).
  if (name.startsWith("crowsnest")) await sleep(1_500);
  if (pidsNamed("dockerd").join() !== dockerdBefore) {
    return { ...row, failure: "dockerd restarted meanwhile (another suite on this machine)" };
  }
  const ages = watcher
    .takeSamples()
    .filter((s) => s.t >= startedAt && s.t < endedAt)
    .map((s) => s.ageMs);
  return {
    ...row,
    ...measured,
    samples: ages.length,
    sampleAgeP50Ms: percentile(ages, 50),
    sampleAgeP99Ms: percentile(ages, 99),
  };
}

/** The host's inotify instance limit per user (dockerd's user's), NaN where it cannot be read. */
function inotifyInstanceLimit(): number {
  try {
    return Number.parseInt(readFileSync("/proc/sys/fs/inotify/max_user_instances", "utf8"), 10);
  } catch {
    return Number.NaN;
  }
}

const firstLine = (err: unknown): string => String((err as Error).message ?? err).split("\n")[0] ?? "";
