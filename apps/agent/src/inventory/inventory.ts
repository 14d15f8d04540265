import type { ContainerEvent, ContainerInfo } from "@crowsnest/protocol";
import { z } from "zod";
import { Backoff, sleep } from "../backoff.ts";
import { type DockerClient, DockerError } from "../docker/client.ts";
import { DockerInspect, toContainerInfo } from "../docker/inspect.ts";
import { jsonLines } from "../docker/json-stream.ts";
import type { Logger } from "../logger.ts";
import { type ResumePoint, ResumeTracker } from "../logs/resume.ts";
import { DockerEventMessage, eventTimestamp, parseDockerEvent } from "./docker-event.ts";

/** `GET /containers/json`: only the ids are read; each container is then inspected. */
const ContainerList = z.array(z.object({ Id: z.string() }));

/** A container as the agent tracks it: what the server sees, plus the pid the cgroup collector needs. */
export interface TrackedContainer {
  info: ContainerInfo;
  pid: number;
}

export interface InventoryListener {
  /** A container event, with the container as inspected right after it, and the stream position after it. */
  event(event: ContainerEvent, position: ResumePoint): void;
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
 * the stream was broken, are replayed from Docker's event buffer, and none is handed over twice.
 */
export class Inventory {
  readonly #docker: DockerClient;
  readonly #listener: InventoryListener;
  readonly #log: Logger;
  readonly #containers = new Map<string, TrackedContainer>();
  #position: ResumePoint | null;
  #listed = false;
  readonly #ready = Promise.withResolvers<void>();

  constructor(docker: DockerClient, listener: InventoryListener, log: Logger, start: ResumePoint | null) {
    this.#docker = docker;
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

  running(): TrackedContainer[] {
    return [...this.#containers.values()].filter((c) => c.info.state === "running");
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
        const tracker = new ResumeTracker(this.#position);
        const stream = await this.#docker.stream(
          "/events",
          {
            filters: JSON.stringify({ type: ["container"] }),
            since: tracker.since > 0 ? tracker.since : undefined,
          },
          signal,
        );
        await this.#relist();
        backoff.reset();
        for await (const raw of jsonLines(stream)) await this.#handle(DockerEventMessage.parse(raw), tracker);
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
    const list = ContainerList.parse(await this.#docker.json("/containers/json", { all: 1 }));
    const seen = new Set<string>();
    for (const { Id } of list) {
      const tracked = await this.#inspect(Id);
      if (tracked === null) continue;
      seen.add(Id);
      this.#containers.set(Id, tracked);
      this.#listener.changed(Id, tracked, preexisting);
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

  async #handle(message: DockerEventMessage, tracker: ResumeTracker): Promise<void> {
    // Every event of the stream counts for the position, also those the dashboard does not show.
    if (!tracker.accept(eventTimestamp(message))) return;
    const position = tracker.point;
    this.#position = position;
    const parsed = parseDockerEvent(message);
    if (parsed === null) return;
    const { containerId } = parsed;
    const tracked = parsed.action === "destroy" ? null : await this.#inspect(containerId);
    if (tracked === null) this.#containers.delete(containerId);
    else this.#containers.set(containerId, tracked);
    this.#listener.changed(containerId, tracked, false);
    this.#listener.event({ ...parsed, container: tracked?.info ?? null }, position);
  }

  /** null when the container is already gone (it can vanish between an event and our look). */
  async #inspect(id: string): Promise<TrackedContainer | null> {
    try {
      const raw = DockerInspect.parse(await this.#docker.json(`/containers/${encodeURIComponent(id)}/json`));
      return { info: toContainerInfo(raw), pid: raw.State.Pid };
    } catch (err) {
      if (err instanceof DockerError && err.status === 404) return null;
      throw err;
    }
  }
}
