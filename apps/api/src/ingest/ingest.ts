import type { Hello, HostInfo, InventorySnapshot, SequencedAgentMessage } from "@crowsnest/protocol";
import type { LivePublisher } from "../live/live-publisher.ts";
import { placeSamples } from "../store/server-time.ts";
import type { HostRepository, WriteResult } from "../store/store.ts";
import type { LatestSampleWriter } from "./latest-samples.ts";
import type { WriteQueue } from "./write-queue.ts";

/** Stores what an agent sends and, once stored, publishes it to the browsers (LivePublisher). */
export class Ingest {
  readonly #queue: WriteQueue;
  readonly #hosts: HostRepository;
  readonly #hub: LivePublisher;
  readonly #latest: LatestSampleWriter;

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

  /** Records a second agent refused on the host's credential (what its hello said, `at` in epoch ms). */
  async conflict(hostId: string, refusedHost: HostInfo, at: number): Promise<void> {
    await this.#hosts.recordConflict(hostId, refusedHost, at);
  }

  async seen(hostId: string, at: number): Promise<void> {
    await this.#queue.enqueue({ kind: "seen", hostId, at });
  }

  async inventory(hostId: string, snapshot: InventorySnapshot, at: number): Promise<void> {
    await this.#queue.enqueue({ kind: "inventory", hostId, at, snapshot });
    this.#latest.retainOnly(hostId, snapshot.containers);
    this.#hub.inventory(hostId, snapshot.containers);
  }

  /**
   * Stores a sequenced batch; a duplicate (see WriteResult) is neither stored nor relayed again.
   * `clockOffsetMs` (the agent's clock minus the server's, ms) puts its samples on the server's time
   * line, in the store, in `latest` and live alike (see TelemetryWrite).
   */
  async batch(
    hostId: string,
    message: SequencedAgentMessage,
    at: number,
    clockOffsetMs: number,
  ): Promise<WriteResult> {
    const result = await this.#queue.enqueue({ kind: "batch", hostId, at, message, clockOffsetMs });
    if (result !== "duplicate") this.#relay(hostId, message, clockOffsetMs);
    return result;
  }

  #relay(hostId: string, message: SequencedAgentMessage, clockOffsetMs: number): void {
    switch (message.type) {
      case "events":
        this.#latest.applyEvents(hostId, message.events);
        this.#hub.events(hostId, message.events);
        return;
      case "metrics": {
        const samples = placeSamples(message.samples, clockOffsetMs);
        this.#latest.update(hostId, samples);
        this.#hub.metrics(hostId, samples);
        return;
      }
      case "logs":
        this.#hub.logs(hostId, message.lines, message.drops);
        return;
      case "gap":
        this.#hub.agentGap(hostId, message);
        return;
    }
  }
}
