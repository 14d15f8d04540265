import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { TelemetryWrite, TelemetryWriter, WriteResult } from "../store.ts";
import { type OutsideWindow, OutsideWindowTally } from "../time-window.ts";
import type { CountedWrite } from "./telemetry-writer.ts";

/** What the worker is started with. */
export interface TelemetryWorkerData {
  /** The database file, already migrated. */
  path: string;
  /** The longest retention, ms: the time window's (TimeWindow) reach into the past. */
  keepMs: number;
}

/** One `write` or `packRawMetrics` call sent to the worker. */
export type TelemetryRequest =
  | { id: number; writes: readonly TelemetryWrite[] }
  | { id: number; pack: { now: number; limit: number } };

/**
 * The worker's answer to a request, sent after its transaction committed (a write's: each write's
 * result and the rows the time window left out; a pack's: the samples packed) or rolled back (error).
 */
export type TelemetryReply =
  | ({ id: number } & CountedWrite)
  | { id: number; packed: number }
  | { id: number; error: string };

/** What the worker sends: `ready` once its connection is open, then a reply per request. */
export type TelemetryWorkerMessage = { ready: true } | TelemetryReply;

/** The worker's thread name (Linux shows its first 15 bytes as the thread's `comm`). */
export const TELEMETRY_WORKER_NAME = "crowsnest-telemetry-writer";

/** The file name of the worker's bundle, beside the server's (scripts/build-server.ts). */
export const TELEMETRY_WORKER_BUNDLE = "crowsnest-telemetry-worker.mjs";

/**
 * The worker's entry: the TypeScript source beside this module when the server runs from its
 * sources (type stripping), the bundle beside the server's when it runs built (esbuild keeps
 * `import.meta.url`, which is then that of the chunk this module is bundled into, beside them).
 */
const WORKER_ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("./telemetry-worker.ts", import.meta.url)
  : new URL(`./${TELEMETRY_WORKER_BUNDLE}`, import.meta.url);

interface Pending {
  resolve: (reply: CountedWrite | { packed: number }) => void;
  reject: (err: Error) => void;
}

/**
 * The writer thread's V8 young generation, MiB (Node's `resourceLimits`, which a worker takes as it
 * starts, where the main thread's would need a flag at the process's start). By default it grew to
 * tens of MiB of short-lived rows: the writer alone peaked at 431–452 MiB of RSS writing 1.44
 * million samples, 320–344 with 8 MiB and 329 with 16, at the same cost a sample (7.7–10.5 µs either
 * way, `bench/suites/storage-write.ts`, BENCHMARKS.md figure 3); with log lines 294–299 MiB against 315–321.
 * Where the server runs with its `--max-semi-space-size` (apps/api/src/runtime-flags.ts), that
 * process-wide flag sets this thread's new space instead, to about the same size.
 */
export const WRITER_YOUNG_GENERATION_MB = 16;

/**
 * The TelemetryWriter of a database file: SqliteTelemetryWriter run in a worker thread
 * (telemetry-worker.ts) with its own connection to the same file (WAL: the main connection keeps
 * reading while the worker writes), so that a transaction never blocks the event loop. The worker
 * handles writes one at a time in the order sent; `write` resolves once its transaction has
 * committed and rejects, with SQLite's message, when it rolled back (a full disk). Series ids stay
 * consistent: the worker alone creates them, inside its transactions, and the main connection's
 * SeriesIds looks up a pair it has not cached, so it finds a series once the write that made it
 * has committed.
 *
 * The thread starts with the writer (`ready` settles once it has loaded and opened its
 * connection: loading takes a few hundred ms, which an agent's first write must not wait for)
 * and, should it die, again at the next write: the writes it held are rejected, never
 * acknowledged. It keeps the process alive only while writes are outstanding.
 */
export class WorkerTelemetryWriter implements TelemetryWriter {
  /** The worker takes requests one at a time in the order sent. */
  readonly storesInCallOrder = true;
  /**
   * The worker parses a BatchJsonWrite: bytes cross to it as one copy, where the structured clone
   * copies a parsed batch's objects one by one (for a metrics batch of 500 samples, 22 against 202
   * µs of the main thread, Node 24's postMessage, measured with the batch as a string), and its
   * parse costs the thread about what the clone's rebuilding of the objects did.
   */
  readonly parsesJson = true;
  readonly #path: string;
  readonly #keepMs: number;
  readonly #outside = new OutsideWindowTally();
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #nextId = 1;
  #closed = false;

  /** Resolves once the first thread has opened its connection; rejects if it could not. */
  readonly ready: Promise<void>;

  /** `keepMs`: the longest retention, ms, which the worker's TimeWindow reaches back. */
  constructor(path: string, keepMs: number) {
    this.#path = path;
    this.#keepMs = keepMs;
    const worker = this.#start();
    this.ready = new Promise((resolve, reject) => {
      worker.on("message", (message: TelemetryWorkerMessage) => {
        if (!("ready" in message)) return;
        // Loading held the process (someone awaits `ready`); idle, the thread does not.
        if (this.#pending.size === 0) worker.unref();
        resolve();
      });
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the telemetry writer's thread exited (code ${code})`)));
    });
    // A failure to start is also every pending write's (#lost); whoever awaits `ready` sees it too.
    this.ready.catch(() => {});
  }

  async write(writes: readonly TelemetryWrite[]): Promise<WriteResult[]> {
    const reply = await this.#request((id) => ({ id, writes }));
    if (!("results" in reply))
      throw new Error("the telemetry writer's thread answered a write with no results");
    this.#outside.merge(reply.outside);
    return reply.results;
  }

  /** SqliteTelemetryWriter.pack in the worker's thread: packs staging due at `now` (ms) and finished hours; resolves with the samples packed. */
  async packRawMetrics(now: number, limit: number): Promise<number> {
    const reply = await this.#request((id) => ({ id, pack: { now, limit } }));
    if (!("packed" in reply)) throw new Error("the telemetry writer's thread answered a pack with no count");
    return reply.packed;
  }

  #request(request: (id: number) => TelemetryRequest): Promise<CountedWrite | { packed: number }> {
    if (this.#closed) return Promise.reject(new Error("the telemetry writer is closed"));
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      try {
        worker.postMessage(request(id));
      } catch (err) {
        this.#settle(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  outsideWindow(): Record<string, OutsideWindow> {
    return this.#outside.byHost();
  }

  /** Lets the writes already sent finish, then closes the worker's connection and ends its thread. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    if (worker === null) return;
    const exited = once(worker, "exit");
    worker.ref();
    worker.postMessage(null);
    await exited;
  }

  #start(): Worker {
    const worker = new Worker(WORKER_ENTRY, {
      workerData: { path: this.#path, keepMs: this.#keepMs } satisfies TelemetryWorkerData,
      name: TELEMETRY_WORKER_NAME,
      resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
    });
    worker.on("message", (reply: TelemetryWorkerMessage) => {
      if ("ready" in reply) return;
      const pending = this.#settle(reply.id);
      if (pending === undefined) return;
      if ("error" in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply);
    });
    worker.on("error", (err) => this.#lost(worker, err));
    worker.on("exit", (code) =>
      this.#lost(worker, new Error(`the telemetry writer's thread exited (code ${code})`)),
    );
    this.#worker = worker;
    return worker;
  }

  /** Removes a request from those outstanding; the thread no longer holds the process when none are. */
  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker?.unref();
    return pending;
  }

  /** The thread died (or ended): what it had not answered failed; the next write starts a new one. */
  #lost(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(err);
  }
}
