/**
 * Figure 8, scale-out (issue 14): 1,000 simulated agents of 20 containers, each sending its 20
 * samples once a second (20,000 samples/s offered), spread over three crowsnest-server replicas by
 * HAProxy (deploy/cluster/haproxy.cfg) on PostgreSQL and NATS of the bench's own; then the same
 * load on one replica alone, for comparison. Reports what was acked at zero loss, ack p50/p99, the
 * CPU of each replica, of PostgreSQL (every backend process) and of NATS, and how long a metric
 * sample took to reach a browser socket on a replica that does not hold the sending agent
 * (the watched agents connect straight to the other replicas, so who holds them is known).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHostWithCredential } from "../../apps/api/src/auth/host-credential.ts";
import { loadConfig } from "../../apps/api/src/config.ts";
import { openStore } from "../../apps/api/src/store/open-store.ts";
import { ApiClient } from "../../test/support/api-client.ts";
import { NatsServer } from "../../test/support/cluster.ts";
import { HaproxyProcess } from "../../test/support/haproxy.ts";
import { PostgresServer } from "../../test/support/postgres-server.ts";
import { ADMIN_PASSWORD, ServerProcess } from "../../test/support/processes.ts";
import { BenchBrowser } from "../support/browser.ts";
import { trackChild } from "../support/cleanup.ts";
import { percentile, sleep } from "../support/measure.ts";
import type { BenchOptions } from "../support/options.ts";
import { CpuMeter, pidsNamed, processTree } from "../support/process-cpu.ts";
import { SimLoad } from "../support/sim-load.ts";

export const CLUSTER_AGENTS = 1_000;
export const CLUSTER_CONTAINERS_PER_AGENT = 20;
/** Agents that connect straight to the second and third replica, watched from the first. */
const WATCHED_AGENTS = 20;
const ACK_P99_LIMIT_MS = 250;

export interface ClusterRun {
  layout: "3 replicas" | "1 replica";
  agents: number;
  offeredPerSecond: number;
  ackedPerSecond: number;
  lost: number;
  /** Ticks an agent skipped because 50 of its batches were unacked (its outbox would hold them). */
  heldBack: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /** Zero loss, nothing held back, ack p99 under 250 ms. */
  passed: boolean;
  /** % of one core each replica used, in replica order. */
  replicaCpuPercent: number[];
  postgresCpuPercent: number;
  natsCpuPercent: number;
  haproxyCpuPercent: number;
  /** Sample reading time → arrival at a browser on another replica than its agent (ms). */
  liveP50Ms: number;
  liveP99Ms: number;
  /** Every such latency measured (ms), for the distribution plot. */
  liveLatenciesMs: number[];
}

export async function clusterSuite(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<ClusterRun[]> {
  const measureMs = options.quick ? 5_000 : 15_000;
  const agents = options.quick ? 200 : CLUSTER_AGENTS;
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-bench-cluster-"));
  const postgres = await PostgresServer.create();
  const nats = await NatsServer.start({ credentials: { user: "crowsnest", pass: "bench-nats-password" } });
  const replicas: ServerProcess[] = [];
  let proxy: HaproxyProcess | undefined;
  try {
    const hosts = await seedHosts(postgres.url(), dir, agents);
    const tokens = hosts.map((h) => h.token);
    log(`cluster: ${agents} hosts in PostgreSQL`);
    const env = {
      CROWSNEST_DATABASE_URL: postgres.url(),
      CROWSNEST_NATS_URL: nats.url,
      CROWSNEST_LOG_LEVEL: "error",
    };
    for (const name of ["r1", "r2", "r3"]) {
      const replica = await ServerProcess.start({ dataDir: join(dir, name), env });
      trackChild(replica.process.pid);
      replicas.push(replica);
    }
    proxy = await HaproxyProcess.start(replicas.map((r) => `127.0.0.1:${r.options.port}`));
    const [r1, r2, r3] = replicas as [ServerProcess, ServerProcess, ServerProcess];
    const meters = {
      postgres: () => processTree(postgres.pid()),
      nats: () => pidsWithArgument("nats-server", String(nats.port)),
      haproxy: () => pidsWithArgument("haproxy", "-db"),
    };

    // Three replicas: most agents through HAProxy, the watched ones straight to r2 and r3.
    const watched = tokens.slice(0, WATCHED_AGENTS);
    const watchedHosts = hosts.slice(0, WATCHED_AGENTS).map((h) => h.hostId);
    const rest = tokens.slice(WATCHED_AGENTS);
    const three = await measure("3 replicas", {
      loads: [
        await SimLoad.connect(
          r2.agentUrl,
          watched.slice(0, WATCHED_AGENTS / 2),
          CLUSTER_CONTAINERS_PER_AGENT,
        ),
        await SimLoad.connect(r3.agentUrl, watched.slice(WATCHED_AGENTS / 2), CLUSTER_CONTAINERS_PER_AGENT),
        await SimLoad.connect(proxy.agentUrl, rest, CLUSTER_CONTAINERS_PER_AGENT),
      ],
      viewer: r1,
      watchedHosts,
      replicas,
      meters,
      measureMs,
    });
    log(summary(three));

    // One replica: the others stopped, every agent on r1, the browser on r1 too.
    await proxy.stop();
    proxy = undefined;
    await r2.stop();
    await r3.stop();
    const one = await measure("1 replica", {
      loads: [await SimLoad.connect(r1.agentUrl, tokens, CLUSTER_CONTAINERS_PER_AGENT)],
      viewer: r1,
      watchedHosts,
      replicas: [r1],
      meters,
      measureMs,
    });
    log(summary(one));
    return [three, one];
  } finally {
    await proxy?.stop();
    for (const replica of replicas) await replica.stop();
    await nats.stop();
    await postgres.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Setup {
  loads: SimLoad[];
  viewer: ServerProcess;
  watchedHosts: string[];
  replicas: ServerProcess[];
  meters: Record<"postgres" | "nats" | "haproxy", () => number[]>;
  measureMs: number;
}

async function measure(layout: ClusterRun["layout"], setup: Setup): Promise<ClusterRun> {
  const { loads, viewer } = setup;
  const agents = loads.reduce((n, l) => n + l.hosts, 0);
  const { cookie } = await ApiClient.login(viewer.baseUrl, "admin", ADMIN_PASSWORD);
  const browser = await BenchBrowser.open(
    `${viewer.baseUrl.replace(/^http/, "ws")}/ws/live`,
    viewer.baseUrl,
    cookie,
  );
  for (const hostId of setup.watchedHosts) browser.subscribe({ kind: "host", hostId });
  const rate = agents * CLUSTER_CONTAINERS_PER_AGENT;
  try {
    for (const load of loads) load.start("metrics", (rate * load.hosts) / agents, 1);
    await sleep(3_000); // warm-up: every agent's first batches stored, caches filled
    for (const load of loads) load.reset();
    browser.reset();
    const cpu = {
      replicas: setup.replicas.map((r) => new CpuMeter(() => [r.process.pid])),
      postgres: new CpuMeter(setup.meters.postgres),
      nats: new CpuMeter(setup.meters.nats),
      haproxy: new CpuMeter(setup.meters.haproxy),
    };
    const all = [...cpu.replicas, cpu.postgres, cpu.nats, cpu.haproxy];
    for (const meter of all) meter.start();
    const started = performance.now();
    await sleep(setup.measureMs);
    for (const load of loads) load.stop();
    const seconds = (performance.now() - started) / 1000;
    const percent = (meter: CpuMeter) => (100 * meter.stop()) / seconds;
    const replicaCpuPercent = cpu.replicas.map(percent);
    const [postgresCpuPercent, natsCpuPercent, haproxyCpuPercent] = [cpu.postgres, cpu.nats, cpu.haproxy].map(
      percent,
    );
    // What is still unacked two seconds after the load stopped counts as lost.
    const drained = performance.now();
    while (loads.some((l) => l.unacked > 0) && performance.now() - drained < 2_000) await sleep(20);
    const tallies = loads.map((l) => l.reset());
    const offered = tallies.reduce((n, t) => n + t.offered, 0);
    const acked = tallies.reduce((n, t) => n + t.acked, 0);
    const ackMs = tallies.flatMap((t) => t.ackMs);
    const heldBack = tallies.reduce((n, t) => n + t.skippedTicks, 0);
    const ackP99Ms = percentile(ackMs, 99);
    return {
      layout,
      agents,
      offeredPerSecond: offered / seconds,
      ackedPerSecond: acked / seconds,
      lost: offered - acked,
      heldBack,
      ackP50Ms: percentile(ackMs, 50),
      ackP99Ms,
      passed: offered === acked && heldBack === 0 && ackP99Ms < ACK_P99_LIMIT_MS,
      replicaCpuPercent,
      postgresCpuPercent: postgresCpuPercent ?? Number.NaN,
      natsCpuPercent: natsCpuPercent ?? Number.NaN,
      haproxyCpuPercent: haproxyCpuPercent ?? Number.NaN,
      liveP50Ms: percentile(browser.sampleLatencies, 50),
      liveP99Ms: percentile(browser.sampleLatencies, 99),
      liveLatenciesMs: browser.sampleLatencies,
    };
  } finally {
    browser.close();
    for (const load of loads) await load.close();
  }
}

/** Hosts with credentials written straight into the PostgreSQL store (one CLI run each would take minutes). */
async function seedHosts(
  url: string,
  dir: string,
  count: number,
): Promise<{ hostId: string; token: string }[]> {
  const store = await openStore(loadConfig(["--data-dir", dir, "--database-url", url], {}));
  try {
    const hosts: { hostId: string; token: string }[] = [];
    for (let i = 0; i < count; i++) {
      const { host, token } = await createHostWithCredential(store, `cluster-${i}`, Date.now());
      hosts.push({ hostId: host.id, token });
    }
    return hosts;
  } finally {
    await store.close();
  }
}

/** Pids named `name` whose command line holds `argument` (this bench's nats-server, not the machine's). */
function pidsWithArgument(name: string, argument: string): number[] {
  return pidsNamed(name).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(argument);
    } catch {
      return false;
    }
  });
}

function summary(run: ClusterRun): string {
  return `cluster ${run.layout}: ${Math.round(run.ackedPerSecond)}/${Math.round(run.offeredPerSecond)} samples/s acked, lost ${run.lost}, ack p99 ${Math.round(run.ackP99Ms)} ms, replicas ${run.replicaCpuPercent.map(Math.round).join("/")} %, PostgreSQL ${Math.round(run.postgresCpuPercent)} %, NATS ${Math.round(run.natsCpuPercent)} %, live p50 ${Math.round(run.liveP50Ms)} ms p99 ${Math.round(run.liveP99Ms)} ms`;
}
