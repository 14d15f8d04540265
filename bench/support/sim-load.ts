import { FLUSH_BYTES, SAMPLE_BYTES } from "../../apps/agent/src/outbox/outbox.ts";
import { containerId, containerInfo, logLine, metricSample } from "../../apps/api/test/support/samples.ts";
import { type BatchBody, SimAgent } from "../../apps/api/test/support/sim-agent.ts";

export type RowKind = "metrics" | "logs";

/** Batches per second each simulated agent sends: independent hosts, spread over the period. */
const TICKS_PER_SECOND = 10;
/**
 * Samples in a metrics batch at most: a tick's samples are cut as the agent's outbox cuts them, once
 * they reach FLUSH_BYTES at SAMPLE_BYTES each (its estimate): 320 at 100 KiB.
 */
export const SAMPLES_PER_BATCH = Math.ceil(FLUSH_BYTES / SAMPLE_BYTES);
/** An agent with this many unacked batches skips a tick, as a real agent's outbox would hold them. */
const MAX_UNACKED = 50;

interface SimHost {
  agent: SimAgent;
  containers: string[];
  unacked: number;
  /** When the server's last heartbeat ping arrived (performance.now()), or null before the first since reset. */
  lastPing: number | null;
}

export interface LoadTally {
  offered: number;
  acked: number;
  ackMs: number[];
  skippedTicks: number;
  /** The longest time between two heartbeat pings the server sent one agent (ms), over every agent. */
  maxPingGapMs: number;
  /** Agents whose socket closed (the server drops one it thinks silent). */
  closedAgents: number;
}

/**
 * Protocol-level agents sending metric rows or log lines to a real server at a set total rate,
 * counting what the server acknowledged (it acks a batch once it is stored) and how long that took.
 */
export class SimLoad {
  readonly #hosts: SimHost[];
  #stops: (() => void)[] = [];
  #tally: LoadTally = emptyTally();
  #sequence = 0;
  /** Rows acked since connecting, whichever tally they were counted in: what the store holds. */
  totalAcked = 0;

  private constructor(hosts: SimHost[]) {
    this.#hosts = hosts;
  }

  static async connect(agentUrl: string, tokens: string[], containersPerHost: number): Promise<SimLoad> {
    const hosts: SimHost[] = [];
    for (const token of tokens) {
      const containers = Array.from({ length: containersPerHost }, () => containerId());
      const agent = await SimAgent.connect(agentUrl, token, {
        containers: containers.map((id, i) => containerInfo(id, `c${i}`)),
      });
      hosts.push({ agent, containers, unacked: 0, lastPing: null });
    }
    const load = new SimLoad(hosts);
    for (const host of hosts) load.#watchHeartbeats(host);
    return load;
  }

  /**
   * Starts sending `perSecond` rows in total, each agent a batch `ticksPerSecond` times a second
   * (10 by default; 1 is a real agent's 1 s interval). A metrics batch holds at most one sample
   * per container (distinct containers share a timestamp, so no row overwrites another).
   */
  start(kind: RowKind, perSecond: number, ticksPerSecond = TICKS_PER_SECOND): void {
    const perTick = Math.max(1, Math.round(perSecond / this.#hosts.length / ticksPerSecond));
    const periodMs = 1000 / ticksPerSecond;
    this.#stops = this.#hosts.map((host, i) => {
      let interval: NodeJS.Timeout | undefined;
      const tick = () => this.#tick(host, kind, perTick);
      const first = setTimeout(
        () => {
          tick();
          interval = setInterval(tick, periodMs);
        },
        (i * periodMs) / this.#hosts.length,
      );
      return () => {
        clearTimeout(first);
        clearInterval(interval);
      };
    });
  }

  /** Stops sending; the tally counts only acks of batches sent since the last reset. */
  stop(): void {
    for (const stop of this.#stops) stop();
    this.#stops = [];
  }

  /** The tally since the last reset, as it grows (read, not kept: the next reset starts another). */
  get tally(): Readonly<LoadTally> {
    return this.#tally;
  }

  reset(): LoadTally {
    const tally = this.#tally;
    this.#tally = emptyTally();
    for (const host of this.#hosts) host.lastPing = null;
    return tally;
  }

  /** How many simulated agents. */
  get hosts(): number {
    return this.#hosts.length;
  }

  get unacked(): number {
    return this.#hosts.reduce((n, h) => n + h.unacked, 0);
  }

  async close(): Promise<void> {
    this.stop();
    for (const host of this.#hosts) await host.agent.close();
  }

  /** Times the gaps between the server's heartbeat pings (it sends one every CROWSNEST_HEARTBEAT_MS). */
  #watchHeartbeats(host: SimHost): void {
    host.agent.ws.on("ping", () => {
      const now = performance.now();
      if (host.lastPing !== null)
        this.#tally.maxPingGapMs = Math.max(this.#tally.maxPingGapMs, now - host.lastPing);
      host.lastPing = now;
    });
    host.agent.ws.on("close", () => {
      this.#tally.closedAgents++;
    });
  }

  #tick(host: SimHost, kind: RowKind, perTick: number): void {
    const tally = this.#tally;
    if (host.unacked >= MAX_UNACKED) {
      tally.skippedTicks++;
      return;
    }
    const t = Date.now();
    const batches: { body: BatchBody; rows: number }[] = [];
    if (kind === "metrics") {
      const ids = host.containers.slice(0, perTick);
      for (let i = 0; i < ids.length; i += SAMPLES_PER_BATCH) {
        const samples = ids
          .slice(i, i + SAMPLES_PER_BATCH)
          .map((id, k) => metricSample(id, t, ((i + k) % 7) * 3.5));
        batches.push({ body: { type: "metrics", samples }, rows: samples.length });
      }
    } else {
      const lines = Array.from({ length: perTick }, (_, i) => {
        const n = this.#sequence++;
        const id = host.containers[n % host.containers.length] as string;
        return logLine(id, t, `GET /api/items/${n} 200 ${i % 97}ms user=u${i % 13} trace=${t.toString(16)}`);
      });
      batches.push({ body: { type: "logs", drops: [], lines }, rows: perTick });
    }
    for (const { body, rows } of batches) {
      tally.offered += rows;
      host.unacked++;
      const sentAt = performance.now();
      host.agent.send(body).acked.then(() => {
        host.unacked--;
        tally.acked += rows;
        this.totalAcked += rows;
        tally.ackMs.push(performance.now() - sentAt);
      }, console.error);
    }
  }
}

function emptyTally(): LoadTally {
  return { offered: 0, acked: 0, ackMs: [], skippedTicks: 0, maxPingGapMs: 0, closedAgents: 0 };
}
