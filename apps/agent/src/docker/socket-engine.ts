import { type ZodType, z } from "zod";
import {
  ContainerList,
  DockerEventMessage,
  DockerInspect,
  EngineInfo,
  EngineStats,
  EngineVersion,
} from "./answers.ts";
import type { DockerEndpoint } from "./docker-host.ts";
import {
  type ContainerSummary,
  type DockerEngine,
  EngineError,
  type EngineErrorCode,
  type EventsOptions,
  type LogConfig,
  type LogsOptions,
  type StatsReadings,
} from "./engine.ts";
import { type HttpAnswer, HttpTransport, type Query, readBody } from "./http-transport.ts";
import { jsonLines } from "./json-stream.ts";
import type { StreamAnswer } from "./stream-answer.ts";

/**
 * The newest Engine API version the agent was written against: the answers of v1.41 (Engine
 * 20.10) are recorded from a real Engine, those of v1.52 (Engine 29) checked by hand against the
 * API reference (test/fixtures/). A newer Engine is asked in this version, as Docker's own client
 * negotiates; an older one in its own.
 */
export const MAX_API_VERSION = "1.52";

/** Short requests that get no answer within this long fail as `unavailable`. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Docker's own default stop timeout, in seconds, for a stop or restart without `t`. */
const DEFAULT_STOP_SECONDS = 10;
/** One-shot stats requests in flight at once on an Engine without the pre-25 one-shot bug. */
const ONE_SHOT_CONCURRENCY = 8;
/** The first Engine release whose one-shot stats answer at once (see statsOnce). */
const ONE_SHOT_FIXED_MAJOR = 25;

/** The part of `GET /containers/{id}/json` that `logConfig` reads. */
const LogConfigAnswer = z.object({
  HostConfig: z
    .object({
      LogConfig: z
        .object({ Type: z.string().default(""), Config: z.record(z.string(), z.string()).nullish() })
        .nullish(),
    })
    .nullish(),
});

/** What the first `/version` of a connection decided. */
interface Negotiated {
  /** `/v1.41`, or "" for an Engine that names no API version (its requests go unversioned). */
  prefix: string;
  /** The Engine release is before 25, whose one-shot stats wait for the daemon's next 1 s tick. */
  oneShotWaitsForTick: boolean;
}

/**
 * The API version to ask an Engine for: its own version, capped at MAX_API_VERSION and never
 * below its `MinAPIVersion` (Engine 29 refuses anything before 1.44). "" if it names none.
 */
export function negotiateApiVersion(server: EngineVersion): string {
  if (server.ApiVersion === "") return "";
  const capped =
    compareApiVersions(server.ApiVersion, MAX_API_VERSION) > 0 ? MAX_API_VERSION : server.ApiVersion;
  if (server.MinAPIVersion !== "" && compareApiVersions(server.MinAPIVersion, capped) > 0)
    return server.MinAPIVersion;
  return capped;
}

/**
 * DockerEngine over the Engine API's HTTP socket (`DOCKER_HOST`: a unix socket or tcp address).
 * Every path below `/version` and `/_ping` carries the negotiated API version (`/v1.41/…`), asked
 * once per connection and again after the Engine was unreachable (it may have been upgraded).
 */
export class SocketEngine implements DockerEngine {
  readonly #http: HttpTransport;
  #negotiation: Promise<Negotiated> | null = null;

  constructor(endpoint: DockerEndpoint) {
    this.#http = new HttpTransport(endpoint);
  }

  async ping(): Promise<void> {
    await this.#send("GET", "/_ping", {}, REQUEST_TIMEOUT_MS, false);
  }

  async version(): Promise<EngineVersion> {
    return parseAnswer(EngineVersion, await this.#send("GET", "/version", {}, REQUEST_TIMEOUT_MS, false));
  }

  async info(): Promise<EngineInfo> {
    return parseAnswer(EngineInfo, await this.#get("/info"));
  }

  async events(options: EventsOptions, signal: AbortSignal): Promise<AsyncIterable<DockerEventMessage>> {
    const query = { filters: JSON.stringify({ type: ["container"] }), since: options.since };
    return parsedLines(await this.#open("/events", query, signal), DockerEventMessage);
  }

  async listContainers(): Promise<ContainerSummary[]> {
    const list = parseAnswer(ContainerList, await this.#get("/containers/json", { all: 1 }));
    return list.map((container) => ({ id: container.Id }));
  }

  async inspectContainer(id: string): Promise<DockerInspect> {
    return parseAnswer(DockerInspect, await this.#get(`${containerPath(id)}/json`));
  }

  async logs(id: string, options: LogsOptions, signal: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const query = {
      follow: options.follow ? 1 : undefined,
      stdout: 1,
      stderr: 1,
      timestamps: options.timestamps ? 1 : undefined,
      since: options.since,
      tail: options.tail,
    };
    return chunks(await this.#open(`${containerPath(id)}/logs`, query, signal));
  }

  async logsUnreadable(id: string): Promise<string | null> {
    try {
      await this.#get(`${containerPath(id)}/logs`, { stdout: 1, stderr: 1, tail: 0 });
      return null;
    } catch (err) {
      if (err instanceof EngineError && err.code === "not_supported") return err.message;
      throw err;
    }
  }

  async logConfig(id: string): Promise<LogConfig> {
    const answer = parseAnswer(LogConfigAnswer, await this.#get(`${containerPath(id)}/json`));
    const config = answer.HostConfig?.LogConfig;
    return { driver: config?.Type ?? "", options: config?.Config ?? {} };
  }

  async stats(id: string, signal: AbortSignal): Promise<AsyncIterable<EngineStats>> {
    return parsedLines(await this.#open(`${containerPath(id)}/stats`, { stream: 1 }, signal), EngineStats);
  }

  /**
   * Before Engine 25 a one-shot request still waits for the daemon's next 1-second stats tick,
   * so requests made one after another take a second each (Beszel's agent works around the same
   * bug: henrygd/beszel#58). There, every id is asked at once, and the daemon answers them all on
   * one tick; later Engines answer at once, and get at most ONE_SHOT_CONCURRENCY at a time.
   */
  async statsOnce(ids: readonly string[]): Promise<StatsReadings> {
    const { oneShotWaitsForTick } = await this.#negotiated();
    const readings: StatsReadings = new Map();
    const queue = [...ids];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const answer = await this.#get(`${containerPath(id)}/stats`, { stream: false, "one-shot": true });
          readings.set(id, parseAnswer(EngineStats, answer));
        } catch (err) {
          readings.set(id, asEngineError(err));
        }
      }
    };
    const workers = oneShotWaitsForTick ? ids.length : Math.min(ids.length, ONE_SHOT_CONCURRENCY);
    await Promise.all(Array.from({ length: workers }, worker));
    return readings;
  }

  async start(id: string): Promise<void> {
    await this.#act("POST", `${containerPath(id)}/start`, {}, undefined);
  }

  async stop(id: string, options: { t?: number } = {}): Promise<void> {
    await this.#act("POST", `${containerPath(id)}/stop`, { t: options.t }, options.t);
  }

  async restart(id: string, options: { t?: number } = {}): Promise<void> {
    await this.#act("POST", `${containerPath(id)}/restart`, { t: options.t }, options.t);
  }

  async kill(id: string, options: { signal?: string } = {}): Promise<void> {
    await this.#act("POST", `${containerPath(id)}/kill`, { signal: options.signal }, undefined);
  }

  async pause(id: string): Promise<void> {
    await this.#settled(id, "paused", () => this.#act("POST", `${containerPath(id)}/pause`, {}, undefined));
  }

  async unpause(id: string): Promise<void> {
    await this.#settled(id, "running", () =>
      this.#act("POST", `${containerPath(id)}/unpause`, {}, undefined),
    );
  }

  async remove(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.#act("DELETE", containerPath(id), { force: options.force ? 1 : undefined }, undefined);
  }

  close(): void {
    this.#http.close();
  }

  /**
   * Docker answers 304 for a start or stop with nothing to do, but refuses pausing a paused or
   * unpausing a running container with an error (409 or 500 depending on the Engine version,
   * with varying text). So the container's state decides whether that refusal means
   * `already_in_state`; otherwise (say, pausing an exited one) the refusal stands.
   */
  async #settled(id: string, target: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (err) {
      const refused = err instanceof EngineError && !PLAIN_REFUSALS.has(err.code);
      if (!refused) throw err;
      const state = await this.inspectContainer(id).then(
        (container) => container.State.Status,
        () => null,
      );
      if (state !== target) throw err;
      throw new EngineError("already_in_state", `container is already ${target}`, { cause: err });
    }
  }

  /** A container action: its timeout leaves the Engine `t` seconds to stop the container, plus 30. */
  async #act(method: "POST" | "DELETE", path: string, query: Query, t: number | undefined): Promise<void> {
    await this.#send(method, path, query, ((t ?? DEFAULT_STOP_SECONDS) + 30) * 1000, true);
  }

  async #get(path: string, query: Query = {}): Promise<string> {
    return await this.#send("GET", path, query, REQUEST_TIMEOUT_MS, true);
  }

  /** Sends a short request; resolves with the body of a 2xx answer, throws EngineError otherwise. */
  async #send(
    method: string,
    path: string,
    query: Query,
    timeoutMs: number,
    versioned: boolean,
  ): Promise<string> {
    const prefix = versioned ? (await this.#negotiated()).prefix : "";
    // A timer cleared with the answer: AbortSignal.timeout's would live its full minute, one per
    // request, each holding its signal (400 at once when the agent starts on 200 containers).
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException("request timed out", "TimeoutError")),
      timeoutMs,
    ).unref();
    let answer: HttpAnswer;
    try {
      answer = await this.#http.request(method, prefix + path, query, timeout.signal);
    } catch (err) {
      throw this.#unreachable(err);
    } finally {
      clearTimeout(timer);
    }
    if (answer.status < 200 || answer.status > 299) throw answerError(answer);
    return answer.body;
  }

  /** Opens a streaming GET; the body is the caller's to read, until the signal aborts. */
  async #open(path: string, query: Query, signal: AbortSignal): Promise<StreamAnswer> {
    const { prefix } = await this.#negotiated();
    let answer: StreamAnswer;
    try {
      answer = await this.#http.open(prefix + path, query, signal);
    } catch (err) {
      throw this.#unreachable(err);
    }
    if (answer.status >= 200 && answer.status <= 299) return answer;
    let body: string;
    try {
      body = await readBody(answer);
    } catch (err) {
      throw this.#unreachable(err);
    }
    throw answerError({ status: answer.status, body });
  }

  #negotiated(): Promise<Negotiated> {
    this.#negotiation ??= this.version().then(
      (version) => {
        const api = negotiateApiVersion(version);
        const major = Number.parseInt(version.Version, 10);
        return {
          prefix: api === "" ? "" : `/v${api}`,
          oneShotWaitsForTick: !(major >= ONE_SHOT_FIXED_MAJOR),
        };
      },
      (err: unknown) => {
        this.#negotiation = null;
        throw err;
      },
    );
    return this.#negotiation;
  }

  /** No answer: the Engine may come back as another version, so the next request asks again. */
  #unreachable(err: unknown): EngineError {
    this.#negotiation = null;
    return asEngineError(err);
  }
}

/** Errors that are not about the container's state: no inspection can turn them into `already_in_state`. */
const PLAIN_REFUSALS: ReadonlySet<EngineErrorCode> = new Set([
  "not_found",
  "already_in_state",
  "unavailable",
]);

const STATUS_CODES: ReadonlyMap<number, EngineErrorCode> = new Map([
  [304, "already_in_state"],
  [400, "bad_request"],
  [404, "not_found"],
  [409, "conflict"],
  [501, "not_supported"],
]);

/** A non-2xx answer as EngineError, with Docker's `{"message": …}` (or the raw text) as its message. */
function answerError(answer: HttpAnswer): EngineError {
  const code = STATUS_CODES.get(answer.status) ?? "engine_error";
  // 304 has no body.
  if (answer.status === 304) return new EngineError(code, "container is already in that state");
  let message = answer.body.trim();
  try {
    const parsed = JSON.parse(answer.body) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the raw text as the message.
  }
  return new EngineError(code, message === "" ? `HTTP ${answer.status}` : message);
}

/** An error from below as EngineError: a transport failure (or an abort) is `unavailable`. */
function asEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  if (!(err instanceof Error)) return new EngineError("unavailable", String(err));
  // The transport's message already names the request; its cause is the socket's error.
  return new EngineError(
    "unavailable",
    err.message,
    err.cause === undefined ? undefined : { cause: err.cause },
  );
}

function parseAnswer<T>(schema: ZodType<T>, body: string): T {
  try {
    return schema.parse(JSON.parse(body));
  } catch (err) {
    throw badAnswer(err);
  }
}

function badAnswer(err: unknown): EngineError {
  const detail = err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message;
  return new EngineError("bad_answer", `the Engine's answer is not the documented JSON: ${detail}`, {
    cause: err,
  });
}

/** The newline-delimited JSON of a stream (events, stats), each value checked against the schema. */
async function* parsedLines<T>(answer: StreamAnswer, schema: ZodType<T>): AsyncGenerator<T> {
  const lines = jsonLines(answer.body)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await lines.next();
      } catch (err) {
        throw err instanceof SyntaxError ? badAnswer(err) : asEngineError(err);
      }
      if (next.done) return;
      const parsed = schema.safeParse(next.value);
      if (!parsed.success) throw badAnswer(parsed.error);
      yield parsed.data;
    }
  } finally {
    answer.close();
  }
}

/** The raw body, with a broken connection as EngineError. */
async function* chunks(answer: StreamAnswer): AsyncGenerator<Buffer> {
  try {
    yield* answer.body;
  } catch (err) {
    throw asEngineError(err);
  }
}

/** Ids go into the path encoded, so no id can reach another endpoint. */
function containerPath(id: string): string {
  return `/containers/${encodeURIComponent(id)}`;
}

/** Orders "1.41" < "1.52" < "1.100" by their numbers. */
function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}
