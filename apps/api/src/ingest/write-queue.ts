import type { RelayedWrites } from "../live/live-publisher.ts";
import type { TelemetryWrite, TelemetryWriter, WriteResult } from "../store/store.ts";
import type { StorageHealth } from "./storage-health.ts";

interface Pending {
  write: TelemetryWrite;
  resolve: (result: WriteResult) => void;
  reject: (err: Error) => void;
}

/**
 * Gathers writes from every agent connection and stores them together, one transaction per
 * flush, in arrival order. A flush stops after about `rowsPerFlush` rows and yields to the
 * event loop before the next one, so heartbeats and fan-out are never held up for long.
 */
export class WriteQueue implements RelayedWrites {
  readonly #writer: TelemetryWriter;
  readonly #health: StorageHealth;
  readonly #rowsPerFlush: number;
  #pending: Pending[] = [];
  #scheduled = false;
  #flushing: Promise<void> | null = null;
  /** Settles with the newest write queued: writes are stored in order, so with every one before it. */
  #last: Promise<void> = Promise.resolve();

  constructor(writer: TelemetryWriter, health: StorageHealth, rowsPerFlush = 2_000) {
    this.#writer = writer;
    this.#health = health;
    this.#rowsPerFlush = rowsPerFlush;
  }

  enqueue(write: TelemetryWrite): Promise<WriteResult> {
    const result = new Promise<WriteResult>((resolve, reject) => {
      this.#pending.push({ write, resolve, reject });
      this.#schedule();
    });
    this.#last = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  settled(): Promise<void> {
    return this.#last;
  }

  /** Stores everything queued so far (used at shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing) {
      await (this.#flushing ?? this.#flushNext());
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#flushing) void this.#flushNext();
    });
  }

  #flushNext(): Promise<void> {
    const run = this.#flush().finally(() => {
      this.#flushing = null;
      if (this.#pending.length > 0) this.#schedule();
    });
    this.#flushing = run;
    return run;
  }

  async #flush(): Promise<void> {
    let rows = 0;
    let count = 0;
    while (count < this.#pending.length && (count === 0 || rows < this.#rowsPerFlush)) {
      rows += rowCount(this.#pending[count]?.write);
      count++;
    }
    const taken = this.#pending.splice(0, count);
    if (taken.length === 0) return;
    try {
      const results = await this.#writer.write(taken.map((p) => p.write));
      this.#health.succeeded();
      taken.forEach((p, i) => {
        const result = results[i];
        if (result === undefined) p.reject(new Error(`the store returned no result for write ${i}`));
        else p.resolve(result);
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#health.failed(error, Date.now());
      for (const p of taken) p.reject(error);
    }
  }
}

function rowCount(write: TelemetryWrite | undefined): number {
  if (write === undefined) return 0;
  if (write.kind === "inventory") return 1 + write.snapshot.containers.length;
  if (write.kind !== "batch") return 1;
  const m = write.message;
  if (m.type === "metrics") return 1 + m.samples.length * 2;
  if (m.type === "logs") return 1 + m.lines.length * 3;
  if (m.type === "events") return 1 + m.events.length;
  return 1;
}
