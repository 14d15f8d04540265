import { Backoff, type ContainerEvent, type ContainerInfo } from "@crowsnest/protocol/agent";
import type { DockerEventMessage } from "../docker/answers.ts";
import { type EngineContainerReads, EngineError, type EngineSystem } from "../docker/engine.ts";
import { hasHostNetwork, logDriver, toContainerInfo } from "../docker/inspect.ts";
import type { Logger } from "../logger.ts";
import { sleep } from "../sleep.ts";
import { parseDockerEvent } from "./docker-event.ts";
import { type EventsPosition, EventsTracker } from "./events-position.ts";

/** Logging drivers the Engine always reads back itself; any other one is asked about (see #logsUnreadable). */
const READABLE_DRIVERS = new Set(["json-file", "local"]);

/** The parts of the Engine the inventory reads. */
export type InventoryEngine = Pick<EngineSystem, "events"> &
  Pick<EngineContainerReads, "listContainers" | "inspectContainer" | "logsUnreadable">;

/** A container as the agent tracks it: what the server sees, plus the pid the cgroup collector needs. */
export interface TrackedContainer {
  info: ContainerInfo;
  pid: number;
  /** On the host's network (hasHostNetwork): its samples carry no network counters. */
  hostNetwork: boolean;
}

export interface InventoryListener {
  /** A container event, with the container as inspected right after it, and the stream position after it. */
  event(event: ContainerEvent, position: EventsPosition): void;
  /** The container changed or (null) is gone. `preexisting`: found by the list made at agent start. */
  changed(id: string, container: TrackedContainer | null, preexisting: boolean): void;
  /** The whole list was read again (after the events stream broke, e.g. Docker restarted). */
  resynced(): void;
}

/**
 * One container list, then Docker's `/events` stream; never a polling loop.
 *
 * The stream is opened from the position after the last event handed over (kept with the
 * outbox across agent restarts), so events that happened while the agent was stopped, or while
 * the stream was broken, are replayed from Docker's event buffer, and none is handed over twice:
 * a replayed event is recognised by what it is (see EventsPosition), never by a count, so a
 * restarted daemon, which replays nothing, loses none of its first events. Every (re)opened
 * stream is followed by a fresh list, which covers what a new daemon did before we subscribed.
 */
export class Inventory {
  readonly #engine: InventoryEngine;
  readonly #listener: InventoryListener;
  readonly #log: Logger;
  readonly #containers = new Map<string, TrackedContainer>();
  /** The Engine's answer about each container's logs (null: readable), asked once per container and driver. */
  readonly #logAnswers = new Map<string, { driver: string; unreadable: string | null }>();
  #position: EventsPosition | null;
  #listed = false;
  readonly #ready = Promise.withResolvers<void>();

  constructor(
    engine: InventoryEngine,
    listener: InventoryListener,
    log: Logger,
    start: EventsPosition | null,
  ) {
    this.#engine = engine;
    this.#listener = listener;
    this.#log = log;
    this.#position = start;
  }

  /** Resolves once the first container list has been read. */
  get ready(): Promise<void> {
    return this.#ready.promise;
  }

  snapshot(): ContainerInfo[] {
    return [...this.#containers.values()].map((c) => c.info);
  }

  /**
   * The containers `docker stats` measures: running and paused ones. A paused container is
   * measured too, so its figures say what Docker says (0 % CPU) rather than its last ones.
   */
  measured(): TrackedContainer[] {
    return [...this.#containers.values()].filter(
      (c) => c.info.state === "running" || c.info.state === "paused",
    );
  }

  get(id: string): TrackedContainer | undefined {
    return this.#containers.get(id);
  }

  /** Watches until the signal aborts; a broken events stream is reopened with backoff and a fresh list. */
  async run(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff();
    while (!signal.aborted) {
      try {
        // Subscribe before listing, so that nothing happening in between is missed.
        const tracker = new EventsTracker(this.#position);
        const events = await this.#engine.events(
          { since: tracker.since > 0 ? tracker.since : undefined },
          signal,
        );
        await this.#relist();
        backoff.reset();
        for await (const message of events) await this.#handle(message, tracker);
        if (!signal.aborted) throw new Error("Docker closed the events stream");
      } catch (err) {
        if (signal.aborted) break;
        const delay = backoff.next();
        this.#log.warn("Docker events stream failed; retrying", { err: err as Error, retryInMs: delay });
        await sleep(delay, signal);
      }
    }
  }

  async #relist(): Promise<void> {
    const preexisting = !this.#listed;
    // The Engine may have restarted with other logging settings: ask it again.
    this.#logAnswers.clear();
    const list = await this.#engine.listContainers();
    const seen = new Set<string>();
    for (const { id } of list) {
      const tracked = await this.#inspect(id);
      if (tracked === null) continue;
      seen.add(id);
      this.#containers.set(id, tracked);
      this.#listener.changed(id, tracked, preexisting);
    }
    for (const id of [...this.#containers.keys()]) {
      if (seen.has(id)) continue;
      this.#containers.delete(id);
      this.#listener.changed(id, null, false);
    }
    if (this.#listed) this.#listener.resynced();
    this.#listed = true;
    this.#ready.resolve();
  }

  async #handle(message: DockerEventMessage, tracker: EventsTracker): Promise<void> {
    // Every event of the stream counts for the position, also those the dashboard does not show.
    if (!tracker.accept(message)) return;
    const position = tracker.point;
    this.#position = position;
    const parsed = parseDockerEvent(message);
    if (parsed === null) return;
    const { containerId } = parsed;
    const tracked = parsed.action === "destroy" ? null : await this.#inspect(containerId);
    if (tracked === null) {
      this.#containers.delete(containerId);
      this.#logAnswers.delete(containerId);
    } else this.#containers.set(containerId, tracked);
    this.#listener.changed(containerId, tracked, false);
    this.#listener.event({ ...parsed, container: tracked?.info ?? null }, position);
  }

  /** null when the container is already gone (it can vanish between an event and our look). */
  async #inspect(id: string): Promise<TrackedContainer | null> {
    try {
      const raw = await this.#engine.inspectContainer(id);
      return {
        info: toContainerInfo(raw, await this.#logsUnreadable(id, logDriver(raw))),
        pid: raw.State.Pid,
        hostNetwork: hasHostNetwork(raw),
      };
    } catch (err) {
      if (err instanceof EngineError && err.code === "not_found") return null;
      throw err;
    }
  }

  /**
   * Whether the Engine hands this container's logs back, as the Engine itself answers: a logs
   * request for no lines, which it refuses with 501 and its reason for `none`, and for drivers
   * such as gelf, syslog or fluentd when dual logging's local cache is off (Engine 20.10+ reads
   * them through that cache otherwise). The answer is kept per container and driver, so each
   * container is asked once, not at every event. Null: readable.
   */
  async #logsUnreadable(id: string, driver: string): Promise<string | null> {
    if (READABLE_DRIVERS.has(driver)) return null;
    const known = this.#logAnswers.get(id);
    if (known?.driver === driver) return known.unreadable;
    let unreadable: string | null;
    try {
      unreadable = await this.#engine.logsUnreadable(id);
    } catch (err) {
      // Any other refusal says nothing about the driver: the log follower reports it, and we ask again.
      if (err instanceof EngineError && err.code !== "not_found" && err.code !== "unavailable") return null;
      throw err;
    }
    this.#logAnswers.set(id, { driver, unreadable });
    return unreadable;
  }
}
