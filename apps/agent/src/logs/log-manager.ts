import type { LogLine } from "@crowsnest/protocol/agent";
import { type EngineContainerReads, EngineError } from "../docker/engine.ts";
import type { TrackedContainer } from "../inventory/inventory.ts";
import type { Logger } from "../logger.ts";
import { processStartedMs } from "../runtime-flags.ts";
import { type FollowOptions, followLogs, type LogSink } from "./follower.ts";
import { RateLimiter } from "./rate-limiter.ts";
import type { ResumePoint } from "./resume.ts";

/** Lines read from a container that was already running when the agent first saw it and never followed. */
const FIRST_SIGHT_TAIL = 1000;
const REFOLLOW_DELAY_MS = 1000;

/**
 * Where to read a container's log from when no position of it is kept: every line of one first
 * seen after the agent's first list; the last FIRST_SIGHT_TAIL lines of one that list found running
 * (an old log is not replayed), unless its run began after this agent process did. That one was
 * starting alongside the agent (a boot, `docker compose up` of the agent with its services, a
 * container started while the agent listed), so its whole run is new: read from the second before
 * its run began (Docker's `since` is whole seconds, and Docker may stamp a run's first lines before
 * it records StartedAt; a previous run's lines of those seconds come too).
 * `startedAt` is Docker's `State.StartedAt` (RFC 3339), compared with the agent process's start
 * (processStartedMs) on the same host's clock.
 */
function firstRead(
  preexisting: boolean,
  startedAt: string | null,
): { start: ResumePoint | null; tail: number | undefined } {
  if (!preexisting) return { start: null, tail: undefined };
  const startedMs = startedAt === null ? Number.NaN : Date.parse(startedAt);
  if (startedMs >= processStartedMs)
    return { start: { since: Math.floor(startedMs / 1000) - 1, skip: 0 }, tail: undefined };
  return { start: null, tail: FIRST_SIGHT_TAIL };
}

export interface LogManagerOptions {
  engine: Pick<EngineContainerReads, "logs" | "logConfig">;
  /** Receives lines, drops and lag reports; also where the durable resume positions live. */
  sink: LogSink & { forget(containerId: string): void };
  resume: ReadonlyMap<string, ResumePoint>;
  ratePerSecond: number;
  /** The container as the inventory knows it now. */
  current: (containerId: string) => TrackedContainer | undefined;
  log: Logger;
}

/**
 * Keeps one log follower per container that has unread lines: every running one, and one that
 * ran since its log was last read to the end (it may have exited before we got to it).
 */
export class LogManager {
  readonly #options: LogManagerOptions;
  readonly #positions: Map<string, ResumePoint>;
  readonly #followers = new Map<string, AbortController>();
  readonly #limiters = new Map<string, RateLimiter>();
  /** The run (its StartedAt) whose log was read to the end. */
  readonly #finished = new Map<string, string | null>();
  readonly #sink: LogSink;
  #stopped = false;

  constructor(options: LogManagerOptions) {
    this.#options = options;
    this.#positions = new Map(options.resume);
    this.#sink = {
      line: (line: LogLine, position: ResumePoint) => {
        this.#positions.set(line.containerId, position);
        options.sink.line(line, position);
      },
      dropped: (drop, position) => {
        this.#positions.set(drop.containerId, position);
        options.sink.dropped(drop, position);
      },
      lag: (containerId, behindMs) => options.sink.lag(containerId, behindMs),
    };
  }

  update(id: string, container: TrackedContainer | null, preexisting: boolean): void {
    if (this.#stopped) return;
    if (container === null) {
      this.#followers.get(id)?.abort();
      this.#followers.delete(id);
      this.#limiters.delete(id);
      this.#finished.delete(id);
      this.#positions.delete(id);
      this.#options.sink.forget(id);
      return;
    }
    // The Engine said it cannot read this container's logs (the inventory carries why): do not ask again.
    if (this.#followers.has(id) || container.info.logs?.unreadable) return;
    const { state, startedAt, tty } = container.info;
    const live = state === "running" || state === "paused";
    const unread = startedAt !== null && this.#finished.get(id) !== startedAt;
    // A container that had stopped before the agent ever saw it keeps its old log to itself.
    const neverFollowed = preexisting && !this.#positions.has(id);
    if (live || (unread && !neverFollowed)) this.#follow(id, tty, startedAt, preexisting);
  }

  /** How many containers' logs are followed now. */
  get following(): number {
    return this.#followers.size;
  }

  stop(): void {
    this.#stopped = true;
    for (const controller of this.#followers.values()) controller.abort();
    this.#followers.clear();
  }

  #follow(id: string, tty: boolean, startedAt: string | null, preexisting: boolean): void {
    const controller = new AbortController();
    this.#followers.set(id, controller);
    let limiter = this.#limiters.get(id);
    if (limiter === undefined) {
      limiter = new RateLimiter(this.#options.ratePerSecond);
      this.#limiters.set(id, limiter);
    }
    const kept = this.#positions.get(id);
    const { start, tail } =
      kept === undefined ? firstRead(preexisting, startedAt) : { start: kept, tail: undefined };
    const options: FollowOptions = {
      engine: this.#options.engine,
      containerId: id,
      tty,
      start,
      tail,
      limiter,
      sink: this.#sink,
      log: this.#options.log.child({ containerId: id }),
    };
    followLogs(options, controller.signal).then(
      () => this.#ended(id, controller, startedAt, null),
      (err: unknown) => this.#ended(id, controller, startedAt, err as Error),
    );
  }

  /**
   * Docker ends the stream when the container stops. If it is running again (a restart raced
   * our start event, or Docker itself restarted) the log is followed again; the resume position
   * makes sure nothing is handed over twice.
   */
  #ended(id: string, controller: AbortController, startedAt: string | null, err: Error | null): void {
    if (controller.signal.aborted || this.#followers.get(id) !== controller) return;
    this.#followers.delete(id);
    if (err !== null) this.#options.log.warn("log stream failed", { containerId: id, err });
    // This logging driver cannot be read (e.g. "none"); trying again would fail the same way.
    const unreadable = err instanceof EngineError && err.code === "not_supported";
    if (err === null || unreadable) this.#finished.set(id, startedAt);
    const current = this.#options.current(id);
    if (current === undefined || unreadable) return;
    const state = current.info.state;
    if (state !== "running" && state !== "paused" && err === null) {
      this.update(id, current, false);
      return;
    }
    setTimeout(() => this.update(id, this.#options.current(id) ?? null, false), REFOLLOW_DELAY_MS).unref();
  }
}
