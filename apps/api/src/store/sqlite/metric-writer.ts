import type { DatabaseSync } from "node:sqlite";
import type { MetricSample } from "@crowsnest/protocol";
import { MINUTE } from "../metric-chunk.ts";
import { SqliteMetricPacker } from "./metric-packer.ts";
import type { SeriesIds } from "./series.ts";
import type { StagedSample } from "./staged-samples.ts";

/**
 * Samples packed after each write, at least (whole staging groups, so often more): the writer
 * packs a minute's staging as writes come, a slice each, instead of all of it in the first write
 * after the minute, which would hold that write's acknowledgement for the whole minute's packing.
 */
export const PACK_SAMPLES_PER_WRITE = 10_000;

/**
 * Writes metric samples inside the caller's transaction: `put` gathers a write's samples, `flush`
 * stages them (one row per host and staging group, migration 14) and packs the staging that is due
 * into chunks (SqliteMetricPacker). A sample costs one copy into a staging row as it arrives,
 * where a head row per sample dirtied a page per series in every transaction (BENCHMARKS.md figure
 * 3), and its chunk's coding once a minute. Readers take the staged samples beside the chunks
 * (metrics.ts); the stored rollups count a sample once it is packed.
 */
export class MetricWriter {
  readonly #series: SeriesIds;
  readonly #packer: SqliteMetricPacker;
  /** Per host, the samples `put` since the last flush and the latest arrival among their writes (ms). */
  readonly #pending = new Map<string, { samples: StagedSample[]; at: number }>();

  constructor(db: DatabaseSync, series: SeriesIds) {
    this.#series = series;
    this.#packer = new SqliteMetricPacker(db);
  }

  /** Gathers a host's samples (already on the server's time line), arrived at `at` (ms), for `flush`. */
  put(hostId: string, samples: readonly MetricSample[], at: number): void {
    if (samples.length === 0) return;
    let pending = this.#pending.get(hostId);
    if (pending === undefined) {
      pending = { samples: [], at };
      this.#pending.set(hostId, pending);
    }
    pending.at = Math.max(pending.at, at);
    for (const sample of samples) {
      pending.samples.push({ series: this.#series.ensure(hostId, sample.containerId), sample });
    }
  }

  /**
   * Stages what `put` gathered, then packs staging due at `now` (ms: the latest arrival among the
   * transaction's writes, so that staging follows the clock the writes arrive by), at least
   * PACK_SAMPLES_PER_WRITE samples (SqliteMetricPacker.packDue: a group that fails to pack is put
   * off, and refuses no write).
   */
  flush(now: number): void {
    for (const [hostId, { samples, at }] of this.#pending)
      this.#packer.stage(hostId, samples, at - (at % MINUTE));
    this.#pending.clear();
    this.#packer.packDue(now, PACK_SAMPLES_PER_WRITE);
  }

  /** Packs staging due at `now` (ms), at least `limit` samples when there are; returns the samples packed. */
  pack(now: number, limit: number): number {
    return this.#packer.packDue(now, limit);
  }

  /** Forgets what `put` gathered: after a rolled back write. */
  forget(): void {
    this.#pending.clear();
  }
}
