/**
 * Figure 3, ingest per server core: simulated agents offer metric rows (or log lines) to a real
 * crowsnest-server at a rising rate; the highest stage with zero loss (every offered row acked,
 * no agent held back by unacked batches) and ack p99 under 250 ms is the sustained rate. The
 * climb goes on past a p99 miss while nothing is lost, because on a loaded shared machine a
 * scheduling stall can break the p99 at any rate: the highest loss-free rate is reported beside
 * it. Also the store's bytes per million rows, from the data directory before and after.
 *
 * While each stage runs, the server's responsiveness is measured beside it: `/api/health` and a
 * ping on a `/ws/live` socket (Responsiveness), the gaps between the heartbeat pings it sends the
 * agents (every HEARTBEAT_MS), and its resident memory. After the climb the sustained rate is held
 * for HOLD_MS, past a minute of the store's deferred work; then, on a fresh server that never went
 * past it, the issue's TARGET_RATE for as long (the climb's overloaded top leaves the heap grown).
 * BENCH_CPU_PROF=DIR makes the server write
 * a CPU profile per thread into DIR (`--cpu-prof`), to see what limits it; BENCH_SERVER_NODE_OPTIONS
 * adds Node.js options to the server's alone (e.g. `--max-semi-space-size=4`, to see what V8's
 * young generation costs in memory and time), not to this process and its load.
 * BENCH_INGEST_TARGET=metrics (or logs) runs that kind's target hold alone, `--runs` times, with no
 * climb: a change's figure measured again, beside a clean worktree of the commit before it; with
 * BENCH_INGEST_HOLD=N the hold lasts N minutes, with BENCH_INGEST_PAST_HOUR=N until N minutes past
 * the next hour's start (targetHoldMs).
 * The server runs as it ships, in its image and the production start: scripts/build-server.ts's
 * bundle, built first, which loads no type stripping. BENCH_INGEST_SERVER=source runs its
 * TypeScript source instead, as `npm start` does; like BENCH_INGEST_TARGET, not for figure 3's
 * published table.
 */
import { HOUR, MINUTE } from "../../apps/api/src/store/metric-chunk.ts";
import { PACK_GRACE_MS } from "../../apps/api/src/store/sqlite/metric-packer.ts";
import { PACK_RATIO } from "../../apps/api/src/store/sqlite/metric-writer.ts";
import { TELEMETRY_WORKER_NAME } from "../../apps/api/src/store/sqlite/worker-telemetry-writer.ts";
import { buildServer } from "../../scripts/build-server.ts";
import { PeakRss, percentile, sleep } from "../support/measure.ts";
import type { BenchOptions } from "../support/options.ts";
import { CpuMeter, threadsNamed } from "../support/process-cpu.ts";
import { Responsiveness } from "../support/responsiveness.ts";
import { directoryBytes, startSeededServer } from "../support/seeded-server.ts";
import { type RowKind, SimLoad } from "../support/sim-load.ts";

const HOSTS = 20;
/** A metrics batch holds one sample per container, 10 batches/s: 20 × 600 × 10 = 120,000 samples/s at most. */
const CONTAINERS_PER_HOST = 600;
const ACK_P99_LIMIT_MS = 250;
/** Issue 13's ingest targets: rows/s sustained with RSS ≤ 250 MiB, `/api/health` and `/ws/live` p99 < 20 ms. */
export const TARGET_RATE: Record<RowKind, number> = { metrics: 100_000, logs: 50_000 };
/** Below what this server sustains on a shared 2-core machine, so the climb starts on a pass. */
const START_RATE: Record<RowKind, number> = { metrics: 10_000, logs: 5_000 };
const STEP = 1.5;
/** Up to 10,000 × 1.5^7 ≈ 170,000 offered (capped at 120,000 samples/s), 85,000 log lines/s. */
const MAX_STAGES = 8;
/** The server's heartbeat interval in this suite (CROWSNEST_HEARTBEAT_MS; 15 s by default). */
const HEARTBEAT_MS = 1_000;
/** A gap between two heartbeat pings longer than this is a missed heartbeat. */
const MISSED_HEARTBEAT_MS = 1.5 * HEARTBEAT_MS;
/**
 * How long a rate is held (after the climb, and on a fresh server at the target), ms. A hold starts
 * as a minute starts (untilMinuteStarts) and lasts until that minute is packed: SQLite packs a
 * minute's staging once it has been over for PACK_GRACE_MS, PACK_RATIO times what each write
 * stages, so within MINUTE / PACK_RATIO while the rate holds. Held 75 s from whatever second, as
 * before, most holds ended before the first full minute's packing, which raised the server's RSS
 * by 60–80 MiB: their peak depended on the second they started at (BENCHMARKS.md figure 3).
 */
export const HOLD_MS = Math.ceil((MINUTE + PACK_GRACE_MS + MINUTE / PACK_RATIO) / 10_000) * 10_000;
/** Rows offered before a stage's figures are taken: connections busy, caches filled. */
const WARM_UP_MS = 1_000;
/** Past this the server is clearly behind: climbing further would only queue. */
const GIVE_UP_P99_MS = 2_000;

export interface IngestStage {
  /** How long the stage was measured, s (absent from results saved before it was kept). */
  seconds?: number;
  offeredPerSecond: number;
  ackedPerSecond: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /** The slowest ack of the stage, ms (absent from results saved before it was kept). */
  ackMaxMs?: number;
  serverCpuPercent: number;
  lost: number;
  skippedTicks: number;
  lossless: boolean;
  passed: boolean;
  /** p99 of `/api/health` and of a `/ws/live` ping → pong during the stage (ms). */
  healthP99Ms: number;
  livePingP99Ms: number;
  /** The longest gap between two heartbeat pings to one agent (ms; HEARTBEAT_MS when none is late). */
  maxHeartbeatGapMs: number;
  /** Agents whose socket closed during the stage. */
  closedAgents: number;
  /** The server's peak resident memory during the stage (MiB). */
  peakRssMiB: number;
  /** A stage of MINUTE_SLICES_FROM or more, minute by minute (absent from shorter ones and those saved before). */
  minutes?: IngestMinute[];
}

/** A long stage's figures in one minute of it (its last, as long as it went on): when it fell behind, and what the server did then. */
export interface IngestMinute {
  /** When the minute ended (ISO 8601, UTC). */
  endedAt: string;
  offeredPerSecond: number;
  ackedPerSecond: number;
  /** Acks of batches sent in the stage, received in the minute (ms). */
  ackP99Ms: number;
  ackMaxMs: number;
  skippedTicks: number;
  closedAgents: number;
  serverCpuPercent: number;
  /**
   * The telemetry writer's thread alone (SQLite's worker, one thread: at 100 % it is the limit
   * whatever the server's total); absent in runs saved before it.
   */
  writerCpuPercent?: number;
  peakRssMiB: number;
}

/** A stage this long (ms) or longer is reported minute by minute too (IngestStage.minutes). */
const MINUTE_SLICES_FROM = 3 * MINUTE;

export interface IngestRun {
  kind: RowKind;
  run: number;
  stages: IngestStage[];
  /** The sustained rate (else the highest loss-free one) held for HOLD_MS after the climb; null when none was loss-free (or a quick run). */
  hold?: IngestStage | null;
  /** TARGET_RATE held for HOLD_MS on a fresh server, after no climb; null in a quick run, absent in runs saved before it. */
  targetHold?: IngestStage | null;
  /** The last passing stage's acked rate, and the server CPU it took. */
  sustainedPerSecond: number;
  serverCpuPercentAtSustained: number;
  /** The last stage with nothing lost, whatever its ack p99. */
  lossFreePerSecond: number;
  ackP99MsAtLossFree: number;
  storedRows: number;
  bytesPerMillionRows: number;
  /** What ended the climb: the failing stage's broken criteria, or that the last stage passed. */
  limitedBy: string;
}

/** The server's responsiveness during a run's climb, as the figure 3 table shows it. */
export interface IngestResponsiveness {
  /** At the highest loss-free stage (the rate the store keeps up with): `/api/health` and `/ws/live` ping p99 (ms). */
  healthP99Ms: number;
  livePingP99Ms: number;
  /** Over the stages up to it: those with a heartbeat gap over MISSED_HEARTBEAT_MS or an agent dropped, the longest gap (ms), the peak RSS (MiB). */
  missedHeartbeats: number;
  maxHeartbeatGapMs: number;
  peakRssMiB: number;
}

/** A run's responsiveness figures, from its stages (NaN where a run saved before the harness measured them has none). */
export function ingestResponsiveness(run: IngestRun): IngestResponsiveness {
  const last = run.stages.findLastIndex((s) => s.lossless);
  const upTo = run.stages.slice(0, last + 1);
  const worst = (pick: (s: IngestStage) => number) =>
    upTo.length === 0 ? Number.NaN : Math.max(...upTo.map(pick));
  return {
    healthP99Ms: run.stages[last]?.healthP99Ms ?? Number.NaN,
    livePingP99Ms: run.stages[last]?.livePingP99Ms ?? Number.NaN,
    missedHeartbeats: upTo.filter((s) => s.maxHeartbeatGapMs > MISSED_HEARTBEAT_MS || s.closedAgents > 0)
      .length,
    maxHeartbeatGapMs: worst((s) => s.maxHeartbeatGapMs),
    peakRssMiB: worst((s) => s.peakRssMiB),
  };
}

export async function ingestSuite(options: BenchOptions, log: (line: string) => void): Promise<IngestRun[]> {
  const stageMs = options.quick ? 3_000 : 4_000;
  const target = targetOnly(process.env.BENCH_INGEST_TARGET);
  if (target !== undefined && options.publish)
    throw new Error("BENCH_INGEST_TARGET measures one hold again, not figure 3: run it with --only ingest");
  const bundle = bundleServer(process.env.BENCH_INGEST_SERVER);
  if (!bundle && options.publish)
    throw new Error(
      "BENCH_INGEST_SERVER=source measures `npm start`'s server, not figure 3: run it with --only ingest",
    );
  const entry = bundle ? await buildServer() : undefined;
  log(
    `ingest: the server runs from ${entry === undefined ? "its TypeScript source" : `its production bundle, ${entry}`}`,
  );
  const runs: IngestRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const kind of target === undefined ? (["metrics", "logs"] as const) : [target]) {
      let result: IngestRun;
      try {
        result = await ingestRun(
          kind,
          run,
          entry,
          stageMs,
          target !== undefined ? 0 : options.quick ? 4 : MAX_STAGES,
          options.quick && target === undefined ? 0 : HOLD_MS,
          log,
        );
      } catch (err) {
        // One broken run (a server that died) leaves the others standing; the table counts runs.
        log(`ingest ${kind} run ${run} FAILED: ${(err as Error).message}`);
        continue;
      }
      const r = ingestResponsiveness(result);
      if (result.stages.length > 0)
        log(
          `ingest ${kind} run ${run}: sustained ${Math.round(result.sustainedPerSecond)}/s at ${Math.round(result.serverCpuPercentAtSustained)} % of a core (${result.limitedBy}), loss-free ${Math.round(result.lossFreePerSecond)}/s with /api/health p99 ${r.healthP99Ms.toFixed(1)} ms, /ws/live p99 ${r.livePingP99Ms.toFixed(1)} ms, heartbeat gap max ${Math.round(r.maxHeartbeatGapMs)} ms, RSS ${Math.round(r.peakRssMiB)} MiB, ${Math.round(result.bytesPerMillionRows / 2 ** 20)} MiB per million`,
        );
      if (result.hold) log(`ingest ${kind} run ${run} held at the sustained rate: ${holdLine(result.hold)}`);
      if (result.targetHold)
        log(`ingest ${kind} run ${run} held at the target on a fresh server: ${holdLine(result.targetHold)}`);
      runs.push(result);
    }
  }
  return runs;
}

/** Whether BENCH_INGEST_SERVER leaves the server as it ships (`bundle`, the default) or asks for its `source`; throws on any other value. */
function bundleServer(value: string | undefined): boolean {
  if (value === undefined || value === "bundle") return true;
  if (value === "source") return false;
  throw new Error(`BENCH_INGEST_SERVER: expected bundle or source, got ${value}`);
}

/** BENCH_INGEST_TARGET's kind, if set; throws on any other value. */
function targetOnly(value: string | undefined): RowKind | undefined {
  if (value === undefined || value === "metrics" || value === "logs") return value;
  throw new Error(`BENCH_INGEST_TARGET: expected metrics or logs, got ${value}`);
}

/** A crowsnest-server with HOSTS simulated agents connected, and how to offer it rows for a while. */
interface IngestServer {
  load: SimLoad;
  /** Offers `rate` rows/s for `ms` after a second's warm-up, and measures the stage. */
  measure(rate: number, ms: number): Promise<IngestStage>;
  /** Waits (up to 10 s) for what is in flight to be acked or lost. */
  settled(): Promise<void>;
}

/** What `use` returned, and the rows acked and the store's growth (its WAL checkpointed) per million of them. */
interface IngestServed<T> {
  value: T;
  storedRows: number;
  bytesPerMillionRows: number;
}

/**
 * Runs `use` with a fresh seeded server (started from `entry`: ServerOptions.entry) and its agents,
 * then stops both; a long stage's minutes are logged to `log` as they end.
 */
async function withIngestServer<T>(
  kind: RowKind,
  entry: string | undefined,
  log: (line: string) => void,
  use: (server: IngestServer) => Promise<T>,
): Promise<IngestServed<T>> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const nodeOptions = [
    process.env.BENCH_SERVER_NODE_OPTIONS ?? "",
    profileDir ? `--cpu-prof --cpu-prof-dir=${profileDir}` : "",
  ]
    .join(" ")
    .trim();
  const seeded = await startSeededServer(
    HOSTS,
    {
      CROWSNEST_HEARTBEAT_MS: String(HEARTBEAT_MS),
      ...(nodeOptions === "" ? {} : { NODE_OPTIONS: nodeOptions }),
    },
    entry,
  );
  let probe: Responsiveness | undefined;
  let load: SimLoad | undefined;
  try {
    load = await SimLoad.connect(
      seeded.server.agentUrl,
      seeded.hosts.map((h) => h.token),
      CONTAINERS_PER_HOST,
    );
    const agents = load;
    await sleep(2_000); // let the server take in 5,000 containers' inventory before timing acks
    const emptyBytes = directoryBytes(seeded.dataDir);
    const pids = () => [seeded.server.process.pid];
    const cpu = new CpuMeter(pids);
    const rss = new PeakRss(pids);
    const opened = await Responsiveness.open(seeded.server.baseUrl, seeded.liveUrl, seeded.cookie);
    probe = opened;
    const measure = async (rate: number, ms: number): Promise<IngestStage> => {
      agents.start(kind, rate);
      await sleep(WARM_UP_MS);
      agents.reset();
      cpu.start();
      rss.start();
      opened.start();
      const started = performance.now();
      const minutes = ms >= MINUTE_SLICES_FROM ? new MinuteSlices(agents, pids, log) : undefined;
      await sleep(ms);
      const byMinute = minutes?.stop();
      agents.stop();
      const seconds = (performance.now() - started) / 1000;
      const serverCpuSeconds = cpu.stop();
      const peakRssMiB = rss.stopMiB();
      const times = await opened.stop();
      // What is still unacked a second after the stage ended counts as lost.
      const drained = performance.now();
      while (agents.unacked > 0 && performance.now() - drained < 1_000) await sleep(20);
      const tally = agents.reset();
      if (!seeded.server.process.running) {
        throw new Error(
          `crowsnest-server exited during the ${kind} run:\n${seeded.server.process.output.slice(-2000)}`,
        );
      }
      const stage: IngestStage = {
        seconds,
        offeredPerSecond: tally.offered / seconds,
        ackedPerSecond: tally.acked / seconds,
        ackP50Ms: percentile(tally.ackMs, 50),
        ackP99Ms: percentile(tally.ackMs, 99),
        ackMaxMs: percentile(tally.ackMs, 100),
        serverCpuPercent: (100 * serverCpuSeconds) / seconds,
        lost: tally.offered - tally.acked,
        skippedTicks: tally.skippedTicks,
        lossless: tally.offered === tally.acked && tally.skippedTicks === 0,
        passed: false,
        healthP99Ms: percentile(times.healthMs, 99),
        livePingP99Ms: percentile(times.livePingMs, 99),
        maxHeartbeatGapMs: tally.maxPingGapMs,
        closedAgents: tally.closedAgents,
        peakRssMiB,
        ...(byMinute === undefined ? {} : { minutes: byMinute }),
      };
      stage.passed = stage.lossless && stage.ackP99Ms < ACK_P99_LIMIT_MS;
      return stage;
    };
    const settled = async () => {
      const settle = performance.now();
      while (agents.unacked > 0 && performance.now() - settle < 10_000) await sleep(50);
    };
    const value = await use({ load: agents, measure, settled });
    const storedRows = agents.totalAcked;
    probe.close();
    await load.close();
    await seeded.server.stop(); // checkpoints the WAL into the database file
    return {
      value,
      storedRows,
      bytesPerMillionRows: ((directoryBytes(seeded.dataDir) - emptyBytes) / storedRows) * 1e6,
    };
  } finally {
    probe?.close();
    await load?.close();
    await seeded.stop();
  }
}

/** A run of `kind`: its climb of up to `maxStages` stages (none: the target hold alone), then the target hold. */
async function ingestRun(
  kind: RowKind,
  run: number,
  entry: string | undefined,
  stageMs: number,
  maxStages: number,
  holdMs: number,
  log: (line: string) => void,
): Promise<IngestRun> {
  if (maxStages === 0) return targetHoldRun(kind, run, entry, holdMs, log);
  const climbed = await withIngestServer(kind, entry, log, async (server) => {
    const stages: IngestStage[] = [];
    let rate = START_RATE[kind];
    for (let i = 0; i < maxStages; i++, rate *= STEP) {
      const stage = await server.measure(rate, stageMs);
      stages.push(stage);
      if (!stage.lossless || stage.ackP99Ms > GIVE_UP_P99_MS) break;
    }
    // Whatever was in flight when a stage failed is stored or lost: wait for it to settle.
    await server.settled();
    // Sustained: the top of the run of passing stages from the start, not a lucky later one.
    const firstFailed = stages.findIndex((s) => !s.passed);
    const best = (firstFailed < 0 ? stages : stages.slice(0, firstFailed)).at(-1);
    const lossFree = stages.filter((s) => s.lossless).at(-1);
    // The stages last seconds; a store may defer work by the minute (SQLite packs its staging once
    // the minute the rows arrived in is over): the sustained rate, or the highest loss-free one
    // when none passed, held for HOLD_MS shows whether it keeps up with that work too.
    const holdRate = (best ?? lossFree)?.offeredPerSecond;
    let hold: IngestStage | null = null;
    if (holdRate !== undefined && holdMs > 0) {
      await sleep(2_000);
      await untilMinuteStarts();
      hold = await server.measure(holdRate, holdMs);
      await server.settled();
    }
    return {
      stages,
      hold,
      best,
      failed: stages[firstFailed],
      lossFree,
    };
  });
  // The climb's overloaded top leaves the server's heap grown (V8 keeps what its old generation
  // took): the target rate held on a server that never went past it is what the target asks.
  const targetHold = holdMs > 0 ? (await holdTarget(kind, entry, holdMs, log)).value : null;
  const { stages, hold, best, failed, lossFree } = climbed.value;
  return {
    kind,
    run,
    stages,
    hold,
    targetHold,
    sustainedPerSecond: best?.ackedPerSecond ?? 0,
    serverCpuPercentAtSustained: best?.serverCpuPercent ?? Number.NaN,
    lossFreePerSecond: lossFree?.ackedPerSecond ?? 0,
    ackP99MsAtLossFree: lossFree?.ackP99Ms ?? Number.NaN,
    storedRows: climbed.storedRows,
    limitedBy: failed === undefined ? "no stage failed" : brokenCriteria(failed),
    bytesPerMillionRows: climbed.bytesPerMillionRows,
  };
}

/** TARGET_RATE of `kind` held for `holdMs` on a fresh server (started from `entry`: ServerOptions.entry). */
function holdTarget(
  kind: RowKind,
  entry: string | undefined,
  holdMs: number,
  log: (line: string) => void,
): Promise<IngestServed<IngestStage>> {
  return withIngestServer(kind, entry, log, async (server) => {
    await untilMinuteStarts();
    const stage = await server.measure(TARGET_RATE[kind], targetHoldMs(holdMs));
    await server.settled();
    return stage;
  });
}

/**
 * Sleeps until WARM_UP_MS before a minute starts (by the clock the simulated agents stamp samples
 * with), so that a stage measured from then starts with a minute of its own: see HOLD_MS.
 */
function untilMinuteStarts(): Promise<void> {
  return sleep((MINUTE - ((Date.now() + WARM_UP_MS) % MINUTE)) % MINUTE);
}

/**
 * How long the target hold lasts from now (a minute's start, after WARM_UP_MS), ms: `holdMs`;
 * BENCH_INGEST_HOLD=N minutes (at least `holdMs`), for a steady state long enough to be reported
 * minute by minute; or with BENCH_INGEST_PAST_HOUR=N, until N minutes (at least `holdMs`) past the
 * next hour's start, so that the minutes before it fill the hour that the store packs once it is
 * over (SQLite: each series' minute chunks into one hour chunk) and the hold goes on while that
 * hour is packed. Throws on a value that is not a whole number of minutes, or on both set.
 */
function targetHoldMs(holdMs: number): number {
  const hold = minutesOf("BENCH_INGEST_HOLD");
  const pastHour = minutesOf("BENCH_INGEST_PAST_HOUR");
  if (hold !== null && pastHour !== null)
    throw new Error("BENCH_INGEST_HOLD and BENCH_INGEST_PAST_HOUR: set one of them");
  if (pastHour !== null) {
    const start = Date.now() + WARM_UP_MS;
    return HOUR - (start % HOUR) + Math.max(holdMs, pastHour);
  }
  return Math.max(holdMs, hold ?? 0);
}

/** The environment variable `name` as a whole number of minutes, in ms; null when unset or 0. Throws on anything else. */
function minutesOf(name: string): number | null {
  const value = process.env[name];
  if (value === undefined || value === "0") return null;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${name}: expected minutes, got ${value}`);
  return Number(value) * MINUTE;
}

/** A run with the target hold alone (BENCH_INGEST_TARGET): no climb, so no sustained rate. */
async function targetHoldRun(
  kind: RowKind,
  run: number,
  entry: string | undefined,
  holdMs: number,
  log: (line: string) => void,
): Promise<IngestRun> {
  const held = await holdTarget(kind, entry, holdMs, log);
  return {
    kind,
    run,
    stages: [],
    hold: null,
    targetHold: held.value,
    sustainedPerSecond: 0,
    serverCpuPercentAtSustained: Number.NaN,
    lossFreePerSecond: 0,
    ackP99MsAtLossFree: Number.NaN,
    storedRows: held.storedRows,
    bytesPerMillionRows: held.bytesPerMillionRows,
    limitedBy: "no climb (BENCH_INGEST_TARGET)",
  };
}

/** A hold's figures for the log. */
function holdLine(h: IngestStage): string {
  return `${Math.round(h.seconds ?? HOLD_MS / 1000)} s at ${Math.round(h.offeredPerSecond)}/s: acked ${Math.round(h.ackedPerSecond)}/s, ${h.lost} unacked, ack p99 ${Math.round(h.ackP99Ms)} ms (max ${Math.round(h.ackMaxMs ?? Number.NaN)}), ${Math.round(h.serverCpuPercent)} % of a core, /api/health p99 ${h.healthP99Ms.toFixed(1)} ms, /ws/live p99 ${h.livePingP99Ms.toFixed(1)} ms, heartbeat gap max ${Math.round(h.maxHeartbeatGapMs)} ms, RSS ${Math.round(h.peakRssMiB)} MiB`;
}

function brokenCriteria(stage: IngestStage): string {
  const broken: string[] = [];
  if (stage.ackP99Ms >= ACK_P99_LIMIT_MS) broken.push(`ack p99 ${Math.round(stage.ackP99Ms)} ms`);
  if (stage.lost > 0) broken.push(`${stage.lost} rows unacked`);
  if (stage.skippedTicks > 0) broken.push("agents held back");
  return `${broken.join(", ")} at ${Math.round(stage.offeredPerSecond)}/s`;
}

/**
 * Slices a stage into minutes from its start (IngestMinute): the load's tally so far, read each
 * minute, less the last minute's, and the server's CPU and peak RSS over each; each minute logged
 * as it ends, so that a long hold shows when it fell behind while it runs.
 */
class MinuteSlices {
  readonly #minutes: IngestMinute[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #load: SimLoad;
  readonly #log: (line: string) => void;
  readonly #cpu: CpuMeter;
  readonly #writerCpu: CpuMeter;
  readonly #rss: PeakRss;
  #last = { offered: 0, acked: 0, acks: 0, skippedTicks: 0, closedAgents: 0, at: performance.now() };

  constructor(load: SimLoad, pids: () => number[], log: (line: string) => void) {
    this.#load = load;
    this.#log = log;
    this.#cpu = new CpuMeter(pids);
    this.#writerCpu = new CpuMeter(() => pids().flatMap((pid) => threadsNamed(pid, TELEMETRY_WORKER_NAME)));
    this.#rss = new PeakRss(pids);
    this.#cpu.start();
    this.#writerCpu.start();
    this.#rss.start();
    this.#timer = setInterval(() => this.#slice(), MINUTE);
  }

  /** The minutes sliced, the last one as long as it went (if 10 s or more); no more are. */
  stop(): IngestMinute[] {
    clearInterval(this.#timer);
    if (performance.now() - this.#last.at >= 10_000) this.#slice();
    this.#rss.stopMiB();
    return this.#minutes;
  }

  #slice(): void {
    const tally = this.#load.tally;
    const at = performance.now();
    const seconds = (at - this.#last.at) / 1000;
    const acks = tally.ackMs.slice(this.#last.acks);
    const minute: IngestMinute = {
      endedAt: new Date().toISOString(),
      offeredPerSecond: (tally.offered - this.#last.offered) / seconds,
      ackedPerSecond: (tally.acked - this.#last.acked) / seconds,
      ackP99Ms: percentile(acks, 99),
      ackMaxMs: percentile(acks, 100),
      skippedTicks: tally.skippedTicks - this.#last.skippedTicks,
      closedAgents: tally.closedAgents - this.#last.closedAgents,
      serverCpuPercent: (100 * this.#cpu.stop()) / seconds,
      writerCpuPercent: (100 * this.#writerCpu.stop()) / seconds,
      peakRssMiB: this.#rss.stopMiB(),
    };
    const { offered, acked, skippedTicks, closedAgents } = tally;
    this.#last = { offered, acked, acks: tally.ackMs.length, skippedTicks, closedAgents, at };
    this.#cpu.start();
    this.#writerCpu.start();
    this.#rss.start();
    this.#minutes.push(minute);
    this.#log(`ingest minute to ${minute.endedAt}: ${minuteLine(minute)}`);
  }
}

/** A minute's figures for the log. */
function minuteLine(m: IngestMinute): string {
  return `offered ${Math.round(m.offeredPerSecond)}/s, acked ${Math.round(m.ackedPerSecond)}/s, ack p99 ${Math.round(m.ackP99Ms)} ms (max ${Math.round(m.ackMaxMs)}), ${m.skippedTicks} ticks held back, ${m.closedAgents} sockets closed, ${Math.round(m.serverCpuPercent)} % of a core (the writer's thread ${Math.round(m.writerCpuPercent ?? Number.NaN)} %), RSS ${Math.round(m.peakRssMiB)} MiB`;
}
