import type pg from "pg";
import { decodedOrDamage } from "../chunk-codec.ts";
import { type DamagedChunk, damagedChunkWarning } from "../metric-chunk.ts";

/**
 * The chunks one packing transaction found damaged (they do not decode): `decoded` holds them,
 * `store` copies them to `metric_chunks_damaged` (migration 6) in that transaction, whose chunk
 * writes then go over or without them, and `warn` reports them once it has committed.
 */
export class PgSetAside {
  #damaged: DamagedChunk[] = [];

  /** `decode(chunk.data)`, or `null` (the chunk held, to be set aside) when it throws. */
  decoded<T>(chunk: Omit<DamagedChunk, "error">, decode: (data: Uint8Array) => T): T | null {
    const decoded = decodedOrDamage(decode, chunk.data);
    if (!(decoded instanceof Error)) return decoded;
    this.#damaged.push({ ...chunk, error: decoded });
    return null;
  }

  /** Copies the damaged chunks held to `metric_chunks_damaged`, in the caller's transaction. */
  async store(client: pg.PoolClient): Promise<void> {
    if (this.#damaged.length === 0) return;
    const d = this.#damaged;
    await client.query(
      `INSERT INTO metric_chunks_damaged (tier, series, start, span, data, error, set_aside_at)
       SELECT *, $7::bigint FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::integer[], $5::bytea[], $6::text[])`,
      [
        d.map((c) => c.tier),
        d.map((c) => c.series),
        d.map((c) => c.start),
        d.map((c) => c.span),
        d.map((c) => Buffer.from(c.data)),
        d.map((c) => c.error.message),
        Date.now(),
      ],
    );
  }

  /** Emits a process warning for each chunk set aside (after the transaction committed). */
  warn(): void {
    for (const chunk of this.#damaged) process.emitWarning(damagedChunkWarning(chunk));
    this.#damaged = [];
  }
}
