import type {
  ContainerEvent,
  ContainerInfo,
  GapNotice,
  LogDrop,
  LogLagReport,
  LogLine,
  MetricSample,
} from "@crowsnest/protocol";

/**
 * What ingest and the agent sockets hand to the browsers, once stored (or, for status and lag,
 * as it happens). Today LiveHub delivers it to this process's subscribed sockets; a bus-backed
 * implementation (scale-out) would publish it to every replica's hub instead. Delivery is
 * at-most-once: the store is the truth.
 */
export interface LivePublisher {
  hostStatus(hostId: string, online: boolean, lastSeen: number | null): void;
  inventory(hostId: string, containers: readonly ContainerInfo[]): void;
  events(hostId: string, events: readonly ContainerEvent[]): void;
  metrics(hostId: string, samples: readonly MetricSample[]): void;
  logs(hostId: string, lines: readonly LogLine[], drops: readonly LogDrop[]): void;
  logLag(hostId: string, report: LogLagReport): void;
  /** Lines an agent lost before sending them (its outbox overflowed), shown as a gap. */
  agentGap(hostId: string, notice: GapNotice): void;
}
