import type { Hello, HostInfo, InventorySnapshot, SequencedAgentMessage } from "@crowsnest/protocol";
import type { LivePublisher } from "../live/live-publisher.ts";
import { placeSamples } from "../store/server-time.ts";
import type { HostRepository, WriteResult } from "../store/store.ts";
import type { LatestSampleWriter } from "./latest-samples.ts";
import { RelayOrder } from "./relay-order.ts";
import type { WriteQueue } from "./write-queue.ts";

/**
 * Stores what an agent sends and publishes it to the browsers (LivePublisher): a sequenced batch
 * as soon as it is validated, while it is stored, so the live path never waits for the disk.
 */
export class Ingest {
  readonly #queue: WriteQueue;
  readonly #hosts: HostRepository;
  readonly #hub: LivePublisher;
  readonly #latest: LatestSampleWriter;
  readonly #order = new RelayOrder();

  constructor(queue: WriteQueue, hosts: HostRepository, hub: LivePublisher, latest: LatestSampleWriter) {
    this.#queue = queue;
    this.#hosts = hosts;
    this.#hub = hub;
    this.#latest = latest;
  }

  /**
   * Records the agent's hello and returns the highest seq stored for the host. The queue keeps
   * order, so every batch of an earlier connection of this host is stored by the time it answers.
   */
  async hello(hostId: string, hello: Hello, at: number): Promise<number | null> {
    await this.#queue.enqueue({
      kind: "hello",
      hostId,
      at,
      agentVersion: hello.agentVersion,
      info: hello.host,
    });
    return this.#hosts.lastStoredSeq(hostId);
  }

  /** Whether the agents' data waiting for storage is at its bound (WriteQueue.full): read no more. */
  backlogFull(): boolean {
    return this.#queue.full;
  }

  /** Calls `listener` as the backlog becomes full and is down to half again (WriteQueue.onBacklog); returns how to stop it. */
  onBacklog(listener: (full: boolean) => void): () => void {
    return this.#queue.onBacklog(listener);
  }

  /** Records a second agent refused on the host's credential (what its hello said, `at` in epoch ms). */
  async conflict(hostId: string, refusedHost: HostInfo, at: number): Promise<void> {
    await this.#hosts.recordConflict(hostId, refusedHost, at);
  }

  async seen(hostId: string, at: number): Promise<void> {
    await this.#queue.enqueue({ kind: "seen", hostId, at });
  }

  /**
   * Relays an inventory at once, as a batch is, then stores it. Relayed after storing, it reached the
   * browsers after an event the agent sent after it (relayed at once), and took back what that
   * event had shown (a rename, after the agent reconnected or resynced its event stream).
   */
  async inventory(hostId: string, snapshot: InventorySnapshot, at: number): Promise<void> {
    this.#latest.retainOnly(hostId, snapshot.containers);
    this.#order.retainOnly(hostId, snapshot.containers);
    this.#hub.inventory(hostId, snapshot.containers);
    await this.#queue.enqueue({ kind: "inventory", hostId, at, snapshot });
  }

  /**
   * Relays a validated sequenced batch to the browsers at once, then stores it; resolves with the
   * store's answer, on which the ack waits. A resent batch is relayed again under the same BatchRef
   * (the browser drops the repeat) and not stored twice (see WriteResult). `clockOffsetMs` (the
   * agent's clock minus the server's, ms) puts its samples on the server's time line, in the store,
   * in `latest` and live alike (see TelemetryWrite). `json`: the frame's JSON bytes when `message` is
   * its parse (DecodeResult.json), which the write carries to the store.
   */
  batch(
    hostId: string,
    message: SequencedAgentMessage,
    at: number,
    clockOffsetMs: number,
    json?: Uint8Array,
  ): Promise<WriteResult> {
    this.#relay(hostId, message, clockOffsetMs);
    return this.#queue.enqueue({ kind: "batch", hostId, at, message, clockOffsetMs, json });
  }

  #relay(hostId: string, message: SequencedAgentMessage, clockOffsetMs: number): void {
    const batch = { incarnation: message.incarnation ?? null, seq: message.seq };
    switch (message.type) {
      case "events":
        this.#latest.applyEvents(hostId, message.events);
        this.#hub.events(hostId, message.events);
        return;
      case "metrics": {
        const samples = placeSamples(message.samples, clockOffsetMs);
        this.#latest.update(hostId, samples);
        this.#hub.metrics(hostId, samples, batch);
        return;
      }
      case "logs": {
        const prev = this.#order.advance(hostId, batch, new Set(message.lines.map((l) => l.containerId)));
        this.#hub.logs(hostId, message.lines, message.drops, { batch, prev });
        return;
      }
      case "gap":
        this.#hub.agentGap(hostId, message);
        return;
    }
  }
}
