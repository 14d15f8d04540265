import {
  type BatchRef,
  CLOSE_CODES,
  type ContainerEvent,
  type ContainerInfo,
  encode,
  type GapNotice,
  type LiveEvent,
  type LiveGap,
  type LiveHostStatus,
  type LiveInventory,
  type LiveLogLag,
  type LiveLogs,
  type LiveMetrics,
  type LogDrop,
  type LogLagReport,
  type LogLine,
  type MetricSample,
  type Topic,
  topicKey,
} from "@crowsnest/protocol";
import type { UserSocketCloser } from "../auth/sign-out.ts";
import type { LiveClient, LiveMemory } from "./live-client.ts";
import type { LivePublisher, LogsOrder } from "./live-publisher.ts";
import type { Outbound } from "./outbound.ts";

/** This process's browser sockets and what they hold in memory, as /api/health reports it. */
export type LiveHubMemory = LiveMemory & { clients: number; congested: number };

/** The hub's figures for /api/health; per process by nature (each replica reports its own sockets). */
export interface LiveStats {
  memory(): LiveHubMemory;
}

interface HostSubscribers {
  host: Set<LiveClient>;
  containers: Map<string, Set<LiveClient>>;
}

/**
 * Relays what agents send to the browser sockets subscribed to it. Index: fleet → sockets,
 * host → (sockets, container → sockets). Each message is serialized once, whatever the
 * number of sockets; a congested socket gets the bounded substitute (see LiveClient).
 */
export class LiveHub implements LivePublisher, UserSocketCloser, LiveStats {
  readonly #fleet = new Set<LiveClient>();
  readonly #hosts = new Map<string, HostSubscribers>();
  readonly #byUser = new Map<string, Set<LiveClient>>();
  readonly #congested = new Set<LiveClient>();
  readonly #pumpTimer: NodeJS.Timeout;

  constructor(pumpIntervalMs = 100) {
    this.#pumpTimer = setInterval(() => this.#pump(), pumpIntervalMs);
    this.#pumpTimer.unref();
  }

  /** Totals over every socket, to show that slow browsers cannot make memory grow without bound. */
  memory(): LiveHubMemory {
    const total = {
      clients: 0,
      congested: this.#congested.size,
      bufferedBytes: 0,
      queuedBytes: 0,
      coalescedSamples: 0,
    };
    for (const clients of this.#byUser.values()) {
      for (const client of clients) {
        const held = client.held();
        total.clients++;
        total.bufferedBytes += held.bufferedBytes;
        total.queuedBytes += held.queuedBytes;
        total.coalescedSamples += held.coalescedSamples;
      }
    }
    return total;
  }

  add(client: LiveClient): void {
    const clients = this.#byUser.get(client.principal.userId) ?? new Set();
    clients.add(client);
    this.#byUser.set(client.principal.userId, clients);
  }

  remove(client: LiveClient): void {
    for (const topic of client.topics.values()) this.#unindex(client, topic);
    client.topics.clear();
    this.#congested.delete(client);
    const clients = this.#byUser.get(client.principal.userId);
    clients?.delete(client);
    if (clients?.size === 0) this.#byUser.delete(client.principal.userId);
  }

  subscribe(client: LiveClient, topic: Topic): void {
    const key = topicKey(topic);
    if (client.topics.has(key)) return;
    client.topics.set(key, topic);
    if (topic.kind === "fleet") {
      this.#fleet.add(client);
      return;
    }
    const host = this.#hostEntry(topic.hostId);
    if (topic.kind === "host") {
      host.host.add(client);
      return;
    }
    const sockets = host.containers.get(topic.containerId) ?? new Set();
    sockets.add(client);
    host.containers.set(topic.containerId, sockets);
  }

  unsubscribe(client: LiveClient, topic: Topic): void {
    if (client.topics.delete(topicKey(topic))) this.#unindex(client, topic);
  }

  /** Closes every live socket of a user (logout, password or role change, disabling). */
  closeUser(userId: string, reason: string): number {
    const clients = [...(this.#byUser.get(userId) ?? [])];
    for (const client of clients) {
      client.close(CLOSE_CODES.revoked, reason);
      this.remove(client);
    }
    return clients.length;
  }

  /** Closes the live sockets a user opened under one session (logout in that browser). */
  closeSession(userId: string, sessionId: string, reason: string): number {
    const clients = [...(this.#byUser.get(userId) ?? [])].filter((c) => c.principal.sessionId === sessionId);
    for (const client of clients) {
      client.close(CLOSE_CODES.revoked, reason);
      this.remove(client);
    }
    return clients.length;
  }

  closeAll(code: number, reason: string): void {
    for (const clients of [...this.#byUser.values()]) {
      for (const client of [...clients]) {
        client.close(code, reason);
        this.remove(client);
      }
    }
  }

  stop(): void {
    clearInterval(this.#pumpTimer);
  }

  /** Whether a socket here watches one of the host's containers: only those get its log lines. */
  watchesContainersOf(hostId: string): boolean {
    return (this.#hosts.get(hostId)?.containers.size ?? 0) > 0;
  }

  // ---- what ingest publishes ----------------------------------------------

  /** The host's agent came or went: to the fleet, the host, and each of its containers' pages (whose figures go stale). */
  hostStatus(hostId: string, online: boolean, lastSeen: number | null): void {
    const message: LiveHostStatus = { type: "host_status", hostId, online, lastSeen };
    const host = this.#hosts.get(hostId);
    this.#send(this.#union(this.#fleet, host?.host, ...(host?.containers.values() ?? [])), other(message));
  }

  inventory(hostId: string, containers: readonly ContainerInfo[]): void {
    const message: LiveInventory = { type: "inventory", hostId, containers: [...containers] };
    this.#send(this.#union(this.#fleet, this.#hosts.get(hostId)?.host), other(message));
  }

  events(hostId: string, events: readonly ContainerEvent[]): void {
    const host = this.#hosts.get(hostId);
    for (const event of events) {
      const message: LiveEvent = { type: "event", hostId, event };
      const to = this.#union(this.#fleet, host?.host, host?.containers.get(event.containerId));
      this.#send(to, other(message));
    }
  }

  metrics(hostId: string, samples: readonly MetricSample[], batch: BatchRef): void {
    const host = this.#hosts.get(hostId);
    const broad = this.#union(this.#fleet, host?.host);
    if (broad.size > 0) {
      const message: LiveMetrics = { type: "metrics", hostId, samples: [...samples], batch };
      this.#send(broad, { kind: "metrics", data: encode(message), hostId, samples });
    }
    if (!host || host.containers.size === 0) return;
    // Sockets that already got the whole batch above do not need their container's share again.
    for (const [containerId, forContainer] of groupBy(samples, (s) => s.containerId)) {
      const sockets = host.containers.get(containerId);
      if (!sockets) continue;
      const to = [...sockets].filter((client) => !broad.has(client));
      if (to.length === 0) continue;
      const message: LiveMetrics = { type: "metrics", hostId, samples: forContainer, batch };
      this.#send(to, { kind: "metrics", data: encode(message), hostId, samples: forContainer });
    }
  }

  logs(hostId: string, lines: readonly LogLine[], drops: readonly LogDrop[], order: LogsOrder): void {
    const host = this.#hosts.get(hostId);
    if (!host || host.containers.size === 0) return;
    for (const drop of drops) {
      const sockets = host.containers.get(drop.containerId);
      if (!sockets) continue;
      const gap: LiveGap = {
        type: "gap",
        hostId,
        containerId: drop.containerId,
        droppedLines: drop.count,
        reason: drop.reason ?? "rate_limit",
      };
      this.#send(sockets, other(gap));
    }
    for (const [containerId, forContainer] of groupBy(lines, (l) => l.containerId)) {
      const sockets = host.containers.get(containerId);
      if (!sockets) continue;
      const message: LiveLogs = {
        type: "logs",
        hostId,
        containerId,
        lines: forContainer,
        batch: order.batch,
        prev: order.prev.get(containerId) ?? null,
      };
      this.#send(sockets, {
        kind: "logs",
        data: encode(message),
        hostId,
        containerId,
        lineCount: forContainer.length,
      });
    }
  }

  /** How far behind an agent reads containers' logs: to the sockets watching each container. */
  logLag(hostId: string, report: LogLagReport): void {
    const host = this.#hosts.get(hostId);
    if (!host) return;
    for (const lag of report.lags) {
      const sockets = host.containers.get(lag.containerId);
      if (!sockets) continue;
      const message: LiveLogLag = { type: "log_lag", hostId, time: report.time, lag };
      this.#send(sockets, other(message));
    }
  }

  /** The agent's outbox dropped batches: everyone watching the host learns how many lines are gone. */
  agentGap(hostId: string, notice: GapNotice): void {
    const host = this.#hosts.get(hostId);
    if (!host) return;
    const gap: LiveGap = {
      type: "gap",
      hostId,
      containerId: null,
      droppedLines: notice.droppedLines,
      reason: "agent_outbox",
    };
    this.#send(this.#union(host.host, ...host.containers.values()), other(gap));
  }

  // ---- internals ------------------------------------------------------------

  #send(to: Iterable<LiveClient>, message: Outbound): void {
    for (const client of to) {
      client.deliver(message);
      if (client.congested) this.#congested.add(client);
    }
  }

  #pump(): void {
    for (const client of this.#congested) {
      if (!client.pump()) this.#congested.delete(client);
    }
  }

  #union(...sets: (Set<LiveClient> | undefined)[]): Set<LiveClient> {
    const all = new Set<LiveClient>();
    for (const set of sets) {
      if (set) for (const client of set) all.add(client);
    }
    return all;
  }

  #hostEntry(hostId: string): HostSubscribers {
    let entry = this.#hosts.get(hostId);
    if (!entry) {
      entry = { host: new Set(), containers: new Map() };
      this.#hosts.set(hostId, entry);
    }
    return entry;
  }

  #unindex(client: LiveClient, topic: Topic): void {
    if (topic.kind === "fleet") {
      this.#fleet.delete(client);
      return;
    }
    const host = this.#hosts.get(topic.hostId);
    if (!host) return;
    if (topic.kind === "host") {
      host.host.delete(client);
    } else {
      const sockets = host.containers.get(topic.containerId);
      sockets?.delete(client);
      if (sockets?.size === 0) host.containers.delete(topic.containerId);
    }
    if (host.host.size === 0 && host.containers.size === 0) this.#hosts.delete(topic.hostId);
  }
}

function other(message: { type: string }): Outbound {
  return { kind: "other", data: encode(message) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
