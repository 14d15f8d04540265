import type { DatabaseSync } from "node:sqlite";
import { decodedOrDamage } from "../chunk-codec.ts";
import { type DamagedChunk, damagedChunkWarning } from "../metric-chunk.ts";

/**
 * What the packer sets aside rather than fail on, inside the caller's transaction: chunks that do
 * not decode, copied to `metric_chunks_damaged` (migration 18), and the process warnings for them
 * and for damaged staging rows (migration 17). A warning is emitted only once what it reports is
 * kept: it is held with the packer's savepoint (`released` keeps it for the transaction, `rolledBackSlice` drops
 * it), then with the transaction (`committed` emits it, `rolledBack` drops it), so that a set-aside
 * rolled back and done again is reported once.
 */
export class SqliteSetAside {
  readonly #insertChunk;
  /** Warnings of the savepoint being packed. */
  #slice: string[] = [];
  /** Warnings of released savepoints, waiting for the transaction to commit. */
  #transaction: string[] = [];

  constructor(db: DatabaseSync) {
    this.#insertChunk = db.prepare(`
      INSERT INTO metric_chunks_damaged (tier, series, start, span, data, error, set_aside_at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
  }

  /**
   * `decode(chunk.data)`, which throws on a chunk that is not what its row says (see
   * storedColumns, checkedRows); when it throws, the chunk is copied to `metric_chunks_damaged` and `null`
   * returned: the caller packs the series without it and writes over or deletes its row.
   */
  decoded<T>(chunk: Omit<DamagedChunk, "error">, decode: (data: Uint8Array) => T): T | null {
    const decoded = decodedOrDamage(decode, chunk.data);
    if (!(decoded instanceof Error)) return decoded;
    const { tier, series, start, span, data } = chunk;
    this.#insertChunk.run(tier, series, start, span, data, decoded.message, Date.now());
    this.warn(damagedChunkWarning({ ...chunk, error: decoded }));
    return null;
  }

  /** A warning to emit once what it reports is committed. */
  warn(message: string): void {
    this.#slice.push(message);
  }

  /** The packer's savepoint was released: its warnings wait for the transaction. */
  released(): void {
    this.#transaction.push(...this.#slice);
    this.#slice = [];
  }

  /** The packer's savepoint was rolled back: what its warnings report is gone. */
  rolledBackSlice(): void {
    this.#slice = [];
  }

  /** The transaction committed: emits the warnings of what it kept. */
  committed(): void {
    for (const message of this.#transaction) process.emitWarning(message);
    this.#transaction = [];
    this.#slice = [];
  }

  /** The transaction rolled back: what every warning held reports is gone. */
  rolledBack(): void {
    this.#transaction = [];
    this.#slice = [];
  }
}
