import type {
  BatchRef,
  ContainerEvent,
  ContainerInfo,
  GapNotice,
  LogDrop,
  LogLagReport,
  LogLine,
  MetricSample,
} from "@crowsnest/protocol";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { FastifyBaseLogger } from "fastify";
import type { LatestSampleWriter } from "../ingest/latest-samples.ts";
import type { LivePublisher, LogsOrder } from "../live/live-publisher.ts";
import type { NatsBus } from "./bus.ts";
import { type BusRejects, LiveRelayMessage, readBusMessage } from "./bus-messages.ts";
import { parseLiveSubject, SUBJECTS } from "./subjects.ts";

/** What the relay counts, for /api/health/details. */
export interface LiveRelayCounters {
  /** Messages published to the other replicas. */
  published: number;
  /** Messages received from the other replicas and delivered to this replica's hub. */
  received: number;
  /** Messages not published because they exceed the NATS server's max_payload (browsers see a jump). */
  oversized: number;
  /** Messages not published because the telemetry connection was down (browsers see a jump). */
  skippedWhileDown: number;
  /** Received messages that could not be read or were not a valid frame of their subject's host and op (dropped, logged). */
  unreadable: number;
}

/**
 * The LivePublisher of a replica in a cluster: what this replica's agents send goes to its own
 * hub at once (so its browsers keep their live view while NATS is down) and to every other replica
 * on the telemetry connection. Delivery between replicas is at-most-once: a frame lost on the bus
 * shows in the browser as a jump of its BatchRef sequence, the store stays the truth.
 */
export class BusLivePublisher implements LivePublisher {
  readonly #local: LivePublisher;
  readonly #bus: NatsBus;
  readonly #counters: LiveRelayCounters;

  constructor(local: LivePublisher, bus: NatsBus, counters: LiveRelayCounters) {
    this.#local = local;
    this.#bus = bus;
    this.#counters = counters;
  }

  hostStatus(hostId: string, online: boolean, lastSeen: number | null): void {
    this.#local.hostStatus(hostId, online, lastSeen);
    this.#publish({ op: "hostStatus", hostId, online, lastSeen });
  }

  inventory(hostId: string, containers: readonly ContainerInfo[]): void {
    this.#local.inventory(hostId, containers);
    this.#publish({ op: "inventory", hostId, containers: [...containers] });
  }

  events(hostId: string, events: readonly ContainerEvent[]): void {
    this.#local.events(hostId, events);
    this.#publish({ op: "events", hostId, events: [...events] });
  }

  metrics(hostId: string, samples: readonly MetricSample[], batch: BatchRef): void {
    this.#local.metrics(hostId, samples, batch);
    this.#publish({ op: "metrics", hostId, samples: [...samples], batch });
  }

  logs(hostId: string, lines: readonly LogLine[], drops: readonly LogDrop[], order: LogsOrder): void {
    this.#local.logs(hostId, lines, drops, order);
    const whole: LiveRelayMessage = {
      op: "logs",
      hostId,
      lines: [...lines],
      drops: [...drops],
      batch: order.batch,
      prev: [...order.prev],
    };
    if (this.#publish(whole, false)) return;
    // Too big for one NATS message: one per container (the browser orders each container's lines
    // on its own); a container's share still too big is left out, and its next frame is a jump.
    const byContainer = new Map<string, LogLine[]>();
    for (const line of lines) {
      const forContainer = byContainer.get(line.containerId);
      if (forContainer) forContainer.push(line);
      else byContainer.set(line.containerId, [line]);
    }
    let first = true;
    for (const [containerId, forContainer] of byContainer) {
      const prev = order.prev.get(containerId);
      this.#publish({
        op: "logs",
        hostId,
        lines: forContainer,
        drops: first ? [...drops] : [],
        batch: order.batch,
        prev: prev === undefined ? [] : [[containerId, prev]],
      });
      first = false;
    }
  }

  logLag(hostId: string, report: LogLagReport): void {
    this.#local.logLag(hostId, report);
    this.#publish({ op: "logLag", hostId, report });
  }

  agentGap(hostId: string, notice: GapNotice): void {
    this.#local.agentGap(hostId, notice);
    this.#publish({ op: "agentGap", hostId, notice });
  }

  /**
   * Publishes unless the message exceeds the server's max_payload; returns whether it was sent.
   * `countOversized`: whether a refusal is counted (not when the caller retries it in parts).
   * Nothing is published while the telemetry connection is down (see NatsBus.telemetryConnected).
   */
  #publish(message: LiveRelayMessage, countOversized = true): boolean {
    if (!this.#bus.telemetryConnected) {
      this.#counters.skippedWhileDown++;
      return true;
    }
    const nc = this.#bus.telemetry;
    const data = new TextEncoder().encode(JSON.stringify(message));
    const limit = nc.info?.max_payload ?? 1024 * 1024;
    if (data.byteLength > limit) {
      if (countOversized) this.#counters.oversized++;
      return false;
    }
    try {
      nc.publish(SUBJECTS.live(message.hostId, message.op), data);
      this.#counters.published++;
      return true;
    } catch {
      // Closed while the server stops; the local hub already has it.
      return false;
    }
  }
}

/** This replica's hub as the relay's receiving end sees it. */
export interface LiveAudience extends LivePublisher {
  /** Whether a socket here watches one of the host's containers (see LiveHub). */
  watchesContainersOf(hostId: string): boolean;
}

/**
 * Receives every other replica's live traffic: each message updates this replica's latest samples
 * (so listings show every host's figures) and goes to its hub, which hands it to the browsers
 * subscribed here. A message that is not a valid frame (LiveRelayMessage) of its subject's host
 * and op is dropped and counted (`unreadable`, and in `rejects`). Returns the subscription (closed
 * with the connection).
 */
export function receiveLiveRelay(
  nc: NatsConnection,
  deliver: { hub: LiveAudience; latest: LatestSampleWriter },
  counters: LiveRelayCounters,
  rejects: BusRejects,
  log: FastifyBaseLogger,
): Subscription {
  return nc.subscribe(SUBJECTS.liveAll, {
    callback: (err, msg) => {
      if (err) {
        log.warn({ err }, "live relay subscription failed");
        return;
      }
      // Log lines are most of the traffic and matter only to a container's viewers: not even
      // parsed when nobody here watches the host's containers.
      const subject = parseLiveSubject(msg.subject);
      if (subject !== null && (subject.op === "logs" || subject.op === "logLag")) {
        if (!deliver.hub.watchesContainersOf(subject.hostId)) return;
      }
      const read = readBusMessage(msg, LiveRelayMessage);
      // A frame is about the host and op its subject names (what a browser's subscription selects).
      const misplaced = read.ok && (read.value.hostId !== subject?.hostId || read.value.op !== subject?.op);
      if (!read.ok || misplaced) {
        counters.unreadable++;
        rejects.reject("live", msg.subject, read.ok ? "not the host and op of its subject" : read.why);
        return;
      }
      const message = read.value;
      counters.received++;
      try {
        dispatch(message, deliver);
      } catch (dispatchErr) {
        counters.unreadable++;
        log.warn({ err: dispatchErr, subject: msg.subject }, "live relay message not delivered");
      }
    },
  });
}

function dispatch(
  message: LiveRelayMessage,
  { hub, latest }: { hub: LivePublisher; latest: LatestSampleWriter },
) {
  switch (message.op) {
    case "hostStatus":
      hub.hostStatus(message.hostId, message.online, message.lastSeen);
      return;
    case "inventory":
      latest.retainOnly(message.hostId, message.containers);
      hub.inventory(message.hostId, message.containers);
      return;
    case "events":
      latest.applyEvents(message.hostId, message.events);
      hub.events(message.hostId, message.events);
      return;
    case "metrics":
      latest.update(message.hostId, message.samples);
      hub.metrics(message.hostId, message.samples, message.batch);
      return;
    case "logs":
      hub.logs(message.hostId, message.lines, message.drops, {
        batch: message.batch,
        prev: new Map(message.prev),
      });
      return;
    case "logLag":
      hub.logLag(message.hostId, message.report);
      return;
    case "agentGap":
      hub.agentGap(message.hostId, message.notice);
      return;
  }
}
