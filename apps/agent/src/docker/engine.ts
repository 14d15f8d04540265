import type { DockerEventMessage, DockerInspect, EngineInfo, EngineStats, EngineVersion } from "./answers.ts";

/**
 * What the agent acts on when the Engine refuses or cannot be reached; one code per distinct
 * reaction, never an HTTP status:
 * - `not_found`: no such container (404);
 * - `already_in_state`: nothing to do, the container is already there (304 for start/stop;
 *   a refused pause/unpause of a container already paused/running);
 * - `conflict`: the container's state forbids it (409, e.g. removing a running one without force);
 * - `not_supported`: the Engine cannot do it for this container (501, e.g. reading the logs of a
 *   `none` logging driver);
 * - `bad_request`: the Engine rejected a parameter (400);
 * - `engine_error`: any other non-2xx answer (500, …);
 * - `bad_answer`: a 2xx answer that is not the documented JSON;
 * - `unavailable`: no answer at all (socket missing, connection reset, timeout).
 */
export type EngineErrorCode =
  | "not_found"
  | "already_in_state"
  | "conflict"
  | "not_supported"
  | "bad_request"
  | "engine_error"
  | "bad_answer"
  | "unavailable";

/**
 * The only error a DockerEngine throws. `message` is the Engine's own text when it answered
 * (`{"message": …}`), else what went wrong on the way; `cause` holds the underlying error.
 */
export class EngineError extends Error {
  override name = "EngineError";
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Options of `GET /containers/{id}/logs` (Engine API "ContainerLogs"). */
export interface LogsOptions {
  /** Keep the stream open and send new lines as they are written. */
  follow: boolean;
  /** Start each line with its RFC 3339 nano timestamp and a space. */
  timestamps: boolean;
  /** Only lines at or after this time, in Unix seconds (Engine 20.10 also takes a fraction, to the nanosecond). */
  since?: number;
  /** Only the last N lines (undefined: all). */
  tail?: number;
}

/** A container's logging driver and its options (`docker inspect`: `HostConfig.LogConfig`). */
export interface LogConfig {
  /** `json-file`, `local`, `journald`, …; "" if the Engine names none. */
  driver: string;
  /** The driver's `--log-opt` options, such as `max-size`. */
  options: Record<string, string>;
}

/** Options of `GET /events` (Engine API "SystemEvents"), always filtered to container events. */
export interface EventsOptions {
  /** Replay buffered events from this time, Unix seconds (undefined: only new events). */
  since?: number;
}

/** A container as `GET /containers/json` lists it (Engine API "ContainerList"); only the id is read. */
export interface ContainerSummary {
  /** The full 64-hex-digit id. */
  id: string;
}

/** One stats reading per container, or why there is none (see `statsOnce`). */
export type StatsReadings = Map<string, EngineStats | EngineError>;

/** `/_ping`, `/version`, `/info` (Engine API "System"). */
export interface EngineSystem {
  /** Resolves when the Engine answers `GET /_ping`. */
  ping(): Promise<void>;
  /** `GET /version` (Engine API "SystemVersion"). */
  version(): Promise<EngineVersion>;
  /** `GET /info` (Engine API "SystemInfo"). */
  info(): Promise<EngineInfo>;
  /**
   * `GET /events?filters={"type":["container"]}`: resolves once the Engine accepted the
   * subscription (so a list made afterwards misses nothing), then yields one message per event
   * until the Engine closes the stream or the signal aborts.
   */
  events(options: EventsOptions, signal: AbortSignal): Promise<AsyncIterable<DockerEventMessage>>;
}

/** Reading containers: list, inspect, logs, stats (Engine API "Container"). */
export interface EngineContainerReads {
  /** `GET /containers/json?all=1`: every container, running or not. */
  listContainers(): Promise<ContainerSummary[]>;
  /** `GET /containers/{id}/json`; `not_found` when there is no such container. */
  inspectContainer(id: string): Promise<DockerInspect>;
  /**
   * `GET /containers/{id}/logs?stdout=1&stderr=1`: the raw body, multiplexed in 8-byte-header
   * frames unless the container has a TTY (see logs/demux.ts). `not_supported` (501) when the
   * logging driver cannot be read.
   */
  logs(id: string, options: LogsOptions, signal: AbortSignal): Promise<AsyncIterable<Buffer>>;
  /**
   * Whether the Engine hands this container's logs back, asked with a logs request for no lines
   * (`tail=0`): null when it can, else the Engine's reason (its 501 answer, e.g. for the `none`
   * driver). Any other refusal is thrown (`not_found`, …): it says nothing about the driver.
   */
  logsUnreadable(id: string): Promise<string | null>;
  /** `GET /containers/{id}/json`, its `HostConfig.LogConfig` only; `not_found` when there is no such container. */
  logConfig(id: string): Promise<LogConfig>;
  /**
   * `GET /containers/{id}/stats?stream=1`: a reading per second, each with the previous one as
   * `precpu_stats` (empty in the first), until the container stops or the signal aborts.
   */
  stats(id: string, signal: AbortSignal): Promise<AsyncIterable<EngineStats>>;
  /**
   * `GET /containers/{id}/stats?stream=0&one-shot=1` for each id: a single reading without
   * `precpu_stats`. Every id gets a reading or the error that kept it from one.
   */
  statsOnce(ids: readonly string[]): Promise<StatsReadings>;
}

/**
 * The container actions (Engine API "Container": ContainerStart, ContainerStop, …). Each
 * resolves when done; `already_in_state` when there was nothing to do, `not_found`, `conflict` or
 * another code when the Engine refused. `t`: seconds to wait before killing (Docker's default 10).
 */
export interface EngineContainerActions {
  start(id: string): Promise<void>;
  stop(id: string, options?: { t?: number }): Promise<void>;
  restart(id: string, options?: { t?: number }): Promise<void>;
  /** `signal`: a name such as `SIGKILL` (Docker's default) or a number. */
  kill(id: string, options?: { signal?: string }): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** `force`: kill a running container first (without it, removing one is a `conflict`). */
  remove(id: string, options?: { force?: boolean }): Promise<void>;
}

/**
 * The Docker Engine as the agent uses it: everything it asks Docker goes through this, so Engine
 * paths, API version negotiation and error mapping live in one implementation (SocketEngine).
 * Each resource has its own part (system, container reads, container actions); exec, images and
 * volumes join as further parts. Callers take the narrowest part they need. Every method throws
 * only EngineError.
 */
export interface DockerEngine extends EngineSystem, EngineContainerReads, EngineContainerActions {
  /** Closes idle connections; open streams end through their signals. */
  close(): void;
}
