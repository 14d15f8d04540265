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

/**
 * Where a logs batch stands in its host's live sequence (see LiveOrder): the batch, and for each
 * container with lines in it the seq of the previous batch of the same agent run with lines of
 * that container (absent: not known here, e.g. the first since this server met the agent run).
 */
export interface LogsOrder {
  batch: BatchRef;
  prev: ReadonlyMap<string, number>;
}

/**
 * Whether what was relayed so far has reached the store. A browser's `subscribed` answer waits for
 * it (see serveLiveSocket), so that a REST read the browser makes after it (the log view's backfill
 * after a reconnect) finds every line relayed before the subscription, which the socket missed;
 * and a read of a container not found waits for it once (findRelayed).
 */
export interface RelayedWrites {
  /**
   * Resolves once every write queued so far is stored, or has failed, or `signal` aborted (never
   * rejects); a caller whose signal aborted leaves nothing waiting on the writes. `hostId`: that
   * host's writes only (null: every host's, for the fleet); in a cluster, the writes of the replica
   * holding that host's agent are waited for too.
   */
  settled(hostId: string | null, signal?: AbortSignal): Promise<void>;
}

/**
 * How long a read that must see what was relayed before it waits for the store before it goes
 * anyway (a stalled disk must not hold a browser's request or subscription for longer), ms.
 */
export const RELAYED_WAIT_MS = 2_000;

/** `relayed.settled(hostId)`, or RELAYED_WAIT_MS, whichever comes first; never rejects. */
export function settledWithin(relayed: RelayedWrites, hostId: string | null): Promise<void> {
  return relayed.settled(hostId, AbortSignal.timeout(RELAYED_WAIT_MS));
}

/**
 * Looks up in the store something of a host that its agent sends (a container); when it is not
 * there, looks again once what was relayed before now is stored (settledWithin). A browser shows a
 * container from a live event before the store has it, and may act on it at once: without the
 * second look, that action or page would be a 404 for a container the user sees.
 */
export async function findRelayed<T>(
  relayed: RelayedWrites,
  hostId: string,
  find: () => Promise<T | null>,
): Promise<T | null> {
  const found = await find();
  if (found !== null) return found;
  await settledWithin(relayed, hostId);
  return find();
}

/**
 * What ingest and the agent sockets hand to the browsers: a batch once it is validated, before
 * it is stored (its ack still waits for the store), status and lag as they happen. Today LiveHub
 * delivers it to this process's subscribed sockets; a bus-backed implementation (scale-out) would
 * publish it to every replica's hub instead. Delivery is at-most-once and a batch the agent resends
 * is relayed again under the same BatchRef: the browser drops the repeat (LiveOrder). The store is
 * the truth: a batch relayed and then refused by the store is resent by the agent, and a browser
 * that reloads shows what was stored.
 */
export interface LivePublisher {
  hostStatus(hostId: string, online: boolean, lastSeen: number | null): void;
  inventory(hostId: string, containers: readonly ContainerInfo[]): void;
  events(hostId: string, events: readonly ContainerEvent[]): void;
  metrics(hostId: string, samples: readonly MetricSample[], batch: BatchRef): void;
  logs(hostId: string, lines: readonly LogLine[], drops: readonly LogDrop[], order: LogsOrder): void;
  logLag(hostId: string, report: LogLagReport): void;
  /** Lines an agent lost before sending them (its outbox overflowed), shown as a gap. */
  agentGap(hostId: string, notice: GapNotice): void;
}
