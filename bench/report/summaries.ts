/** The published figures, from raw runs: each a median over runs with its min–max spread. */

import type { FanOutRun } from "../suites/fan-out.ts";
import type { HostCostRow } from "../suites/host-cost.ts";
import { type IngestRun, type IngestStage, ingestResponsiveness } from "../suites/ingest.ts";
import type { LiveTailRun } from "../suites/live-tail.ts";
import { type Spread, spread } from "../support/measure.ts";
import type { WatcherName } from "../support/watchers.ts";

export interface WatcherCost {
  containers: number;
  others: Spread;
  watcher: WatcherName;
  watcherCpu: Spread;
  extraDockerdCpu: Spread;
  extraContainerdCpu: Spread;
  totalCpu: Spread;
  rssMiB: Spread;
  samplesPerSecond: Spread;
  /** Agent CPU-seconds, alone and with the extra daemon CPU, per 1,000 samples delivered. */
  cpuSecondsPer1000: Spread;
  totalCpuSecondsPer1000: Spread;
  sampleAgeP50Ms: Spread;
  sampleAgeP99Ms: Spread;
  /** The inotify instance limits the runs had (fs.inotify.max_user_instances); empty when not recorded. */
  inotifyInstances: number[];
  failures: string[];
}

const percentOf = (cpuSeconds: number, seconds: number) => (100 * cpuSeconds) / seconds;

/** One watcher at one count, each run set against the no-watcher baseline of the same round. */
export function watcherCosts(rows: HostCostRow[]): WatcherCost[] {
  const costs: WatcherCost[] = [];
  const keys = [...new Set(rows.map((r) => `${r.containers}\u0000${r.watcher}`))];
  for (const key of keys) {
    const [count, watcher] = key.split("\u0000") as [string, WatcherName];
    if (watcher === "none") continue;
    const runs = rows.filter((r) => `${r.containers}\u0000${r.watcher}` === key);
    const measured = runs.filter((r) => r.failure === null);
    const baseline = (r: HostCostRow) =>
      rows.find((b) => b.watcher === "none" && b.containers === r.containers && b.run === r.run);
    const extra = (r: HostCostRow, field: "dockerdCpuSeconds" | "containerdCpuSeconds") => {
      const base = baseline(r);
      return base === undefined
        ? Number.NaN
        : percentOf(r[field], r.seconds) - percentOf(base[field], base.seconds);
    };
    // A watcher cannot make the daemons work less: a negative extra is other suites' load moving
    // between windows, so the total counts it as none (the extra columns still show it raw).
    const total = (r: HostCostRow) =>
      percentOf(r.watcherCpuSeconds, r.seconds) +
      Math.max(0, extra(r, "dockerdCpuSeconds")) +
      Math.max(0, extra(r, "containerdCpuSeconds"));
    const per1000 = (cpuPercent: number, r: HostCostRow) =>
      r.samples === 0 ? Number.NaN : ((cpuPercent / 100) * r.seconds * 1000) / r.samples;
    costs.push({
      containers: Number(count),
      others: spread(runs.map((r) => r.others)),
      watcher,
      watcherCpu: spread(measured.map((r) => percentOf(r.watcherCpuSeconds, r.seconds))),
      extraDockerdCpu: spread(measured.map((r) => extra(r, "dockerdCpuSeconds"))),
      extraContainerdCpu: spread(measured.map((r) => extra(r, "containerdCpuSeconds"))),
      totalCpu: spread(measured.map(total)),
      rssMiB: spread(measured.map((r) => r.watcherRssMiB)),
      samplesPerSecond: spread(measured.map((r) => r.samples / r.seconds)),
      cpuSecondsPer1000: spread(measured.map((r) => per1000(percentOf(r.watcherCpuSeconds, r.seconds), r))),
      totalCpuSecondsPer1000: spread(measured.map((r) => per1000(total(r), r))),
      sampleAgeP50Ms: spread(measured.map((r) => r.sampleAgeP50Ms)),
      sampleAgeP99Ms: spread(measured.map((r) => r.sampleAgeP99Ms)),
      // Results saved before the limit was recorded have no such field.
      inotifyInstances: [...new Set(runs.map((r) => r.inotifyInstances).filter((n) => Number.isFinite(n)))],
      failures: runs.flatMap((r) => (r.failure === null ? [] : [`run ${r.run}: ${r.failure}`])),
    });
  }
  return costs;
}

export interface IngestSummary {
  kind: IngestRun["kind"];
  runs: number;
  sustainedPerSecond: Spread;
  serverCpuPercent: Spread;
  perCore: Spread;
  lossFreePerSecond: Spread;
  ackP99MsAtLossFree: Spread;
  mibPerMillion: Spread;
  limitedBy: string[];
  healthP99Ms: Spread;
  livePingP99Ms: Spread;
  maxHeartbeatGapMs: Spread;
  missedHeartbeats: number;
  peakRssMiB: Spread;
}

export function ingestSummaries(runs: IngestRun[]): IngestSummary[] {
  return (["metrics", "logs"] as const).map((kind) => {
    const mine = runs.filter((r) => r.kind === kind);
    const responsiveness = mine.map(ingestResponsiveness);
    return {
      kind,
      runs: mine.length,
      sustainedPerSecond: spread(mine.map((r) => r.sustainedPerSecond)),
      serverCpuPercent: spread(mine.map((r) => r.serverCpuPercentAtSustained)),
      perCore: spread(mine.map((r) => r.sustainedPerSecond / (r.serverCpuPercentAtSustained / 100))),
      lossFreePerSecond: spread(mine.map((r) => r.lossFreePerSecond)),
      ackP99MsAtLossFree: spread(mine.map((r) => r.ackP99MsAtLossFree)),
      mibPerMillion: spread(mine.map((r) => r.bytesPerMillionRows / 2 ** 20)),
      limitedBy: mine.map((r) => r.limitedBy),
      // Runs saved before the harness measured these lack them: spread leaves them out (–).
      healthP99Ms: spread(responsiveness.map((r) => r.healthP99Ms)),
      livePingP99Ms: spread(responsiveness.map((r) => r.livePingP99Ms)),
      maxHeartbeatGapMs: spread(responsiveness.map((r) => r.maxHeartbeatGapMs)),
      missedHeartbeats: responsiveness.reduce((sum, r) => sum + r.missedHeartbeats, 0),
      peakRssMiB: spread(responsiveness.map((r) => r.peakRssMiB)),
    };
  });
}

/** Which hold of an ingest run: at the climb's sustained rate, or at TARGET_RATE on a fresh server. */
export type IngestHoldKind = "sustained" | "target";

/** The holds of one row kind and hold kind over runs (IngestRun.hold, IngestRun.targetHold). */
export interface IngestHoldSummary {
  kind: IngestRun["kind"];
  hold: IngestHoldKind;
  runs: number;
  offeredPerSecond: Spread;
  ackedPerSecond: Spread;
  /** Rows offered and not acked, summed over the runs. */
  lost: number;
  ackP99Ms: Spread;
  serverCpuPercent: Spread;
  healthP99Ms: Spread;
  livePingP99Ms: Spread;
  maxHeartbeatGapMs: Spread;
  peakRssMiB: Spread;
}

/** One summary per row kind and hold kind that some run has (runs saved before a hold lack it). */
export function ingestHoldSummaries(runs: IngestRun[]): IngestHoldSummary[] {
  const summaries: IngestHoldSummary[] = [];
  for (const kind of ["metrics", "logs"] as const)
    for (const hold of ["sustained", "target"] as const) {
      const stages = runs
        .filter((r) => r.kind === kind)
        .flatMap((r) => (hold === "sustained" ? r.hold : r.targetHold) ?? []);
      if (stages.length === 0) continue;
      const over = (pick: (s: IngestStage) => number) => spread(stages.map(pick));
      summaries.push({
        kind,
        hold,
        runs: stages.length,
        offeredPerSecond: over((s) => s.offeredPerSecond),
        ackedPerSecond: over((s) => s.ackedPerSecond),
        lost: stages.reduce((sum, s) => sum + s.lost, 0),
        ackP99Ms: over((s) => s.ackP99Ms),
        serverCpuPercent: over((s) => s.serverCpuPercent),
        healthP99Ms: over((s) => s.healthP99Ms),
        livePingP99Ms: over((s) => s.livePingP99Ms),
        maxHeartbeatGapMs: over((s) => s.maxHeartbeatGapMs),
        peakRssMiB: over((s) => s.peakRssMiB),
      });
    }
  return summaries;
}

export interface LiveTailSummary {
  linesPerSecond: number;
  measuredLinesPerSecond: Spread;
  viewers: number;
  lines: number;
  lineP50Ms: Spread;
  lineP99Ms: Spread;
  samples: number;
  sampleP50Ms: Spread;
  sampleP99Ms: Spread;
  /** null for runs saved before the harness timed /api/health. */
  healthP99Ms: Spread | null;
}

export function liveTailSummaries(runs: LiveTailRun[]): LiveTailSummary[] {
  const keys = [...new Set(runs.map((r) => `${r.linesPerSecond}/${r.viewers}`))];
  return keys.map((key) => {
    const mine = runs.filter((r) => `${r.linesPerSecond}/${r.viewers}` === key);
    const first = mine[0] as LiveTailRun;
    return {
      linesPerSecond: first.linesPerSecond,
      measuredLinesPerSecond: spread(mine.map((r) => r.measuredLinesPerSecond)),
      viewers: first.viewers,
      lines: mine.reduce((n, r) => n + r.lines, 0),
      lineP50Ms: spread(mine.map((r) => r.lineP50Ms)),
      lineP99Ms: spread(mine.map((r) => r.lineP99Ms)),
      samples: mine.reduce((n, r) => n + r.samples, 0),
      sampleP50Ms: spread(mine.map((r) => r.sampleP50Ms)),
      sampleP99Ms: spread(mine.map((r) => r.sampleP99Ms)),
      healthP99Ms: mine.every((r) => r.healthP99Ms !== undefined)
        ? spread(mine.map((r) => r.healthP99Ms))
        : null,
    };
  });
}

export interface FanOutSummary {
  subscribers: number;
  expectedPerSecond: number;
  messagesPerSecond: Spread;
  clientCpuPercent: Spread;
  serverCpuPercent: Spread;
  messagesPerCoreSecond: Spread;
  rssPerSubscriberKiB: Spread;
}

export function fanOutSummaries(runs: FanOutRun[]): FanOutSummary[] {
  return [...new Set(runs.map((r) => r.subscribers))].map((subscribers) => {
    const mine = runs.filter((r) => r.subscribers === subscribers);
    return {
      subscribers,
      expectedPerSecond: (mine[0] as FanOutRun).expectedPerSecond,
      messagesPerSecond: spread(mine.map((r) => r.messagesPerSecond)),
      clientCpuPercent: spread(mine.map((r) => r.clientCpuPercent)),
      serverCpuPercent: spread(mine.map((r) => r.serverCpuPercent)),
      messagesPerCoreSecond: spread(mine.map((r) => r.messagesPerCoreSecond)),
      rssPerSubscriberKiB: spread(mine.map((r) => r.rssPerSubscriberKiB)),
    };
  });
}
