import type { DatabaseSync } from "node:sqlite";
import { decodedOrDamage } from "../chunk-codec.ts";
import { type DamagedChunk, damagedChunkWarning } from "../metric-chunk.ts";

/**
 * What the packer sets aside rather than fail on, inside the caller's transaction: chunks that do
 * not decode, copied to `metric_chunks_damaged` (migration 18), and the process warnings for them
 * and for damaged staging rows (migration 17). A warning waits for `emit` (the savepoint that set
 * the thing aside was released) or `drop` (it was rolled back, and the next try sets it aside
 * again), so that each thing set aside is reported once.
 */
export class SqliteSetAside {
  readonly #insertChunk;
  #warnings: string[] = [];

  constructor(db: DatabaseSync) {
    this.#insertChunk = db.prepare(`
      INSERT INTO metric_chunks_damaged (tier, series, start, span, data, error, set_aside_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
  }

  /**
   * `decode(chunk.data)`; when it throws, the chunk is copied to `metric_chunks_damaged` and
   * `null` returned: the caller packs the series without it and writes over or deletes its row.
   */
  decoded<T>(chunk: Omit<DamagedChunk, "error">, decode: (data: Uint8Array) => T): T | null {
    const decoded = decodedOrDamage(decode, chunk.data);
    if (!(decoded instanceof Error)) return decoded;
    const { tier, series, start, span, data } = chunk;
    this.#insertChunk.run(tier, series, start, span, data, decoded.message, Date.now());
    this.warn(damagedChunkWarning({ ...chunk, error: decoded }));
    return null;
  }

  /** A warning to emit once what it reports is kept. */
  warn(message: string): void {
    this.#warnings.push(message);
  }

  /** Emits the warnings held: what they report was kept. */
  emit(): void {
    for (const message of this.#warnings) process.emitWarning(message);
    this.#warnings = [];
  }

  /** Drops the warnings held: what they report was rolled back. */
  drop(): void {
    this.#warnings = [];
  }
}
