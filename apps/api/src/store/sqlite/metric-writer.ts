import type { DatabaseSync } from "node:sqlite";
import type { MetricSample } from "@crowsnest/protocol";
import { HOUR } from "../metric-chunk.ts";
import { SqliteMetricPacker } from "./metric-packer.ts";
import type { SeriesIds } from "./series.ts";
import type { StagedSample } from "./staged-samples.ts";

/**
 * After each write the writer packs at least PACK_RATIO times the samples that write staged (and at
 * least PACK_FLOOR; a series at a time, so a little more): a minute's staging, all due once the
 * minute ends, is then packed over most of the next minute, a slice with each write, rather than
 * by the first writes after the minute, whose acknowledgements would wait for the whole minute's
 * packing (BENCHMARKS.md figure 3). Finished hours are made hour chunks with the same budget of
 * their own, so an hour's packing is spread over the next hour's writes.
 */
export const PACK_RATIO = 1.25;
export const PACK_FLOOR = 1_000;

/**
 * Writes metric samples inside the caller's transaction: `put` gathers a write's samples, `flush`
 * stages them (one row per host, staging group and minute, migration 14) and packs the staging that is due
 * into chunks (SqliteMetricPacker). A sample costs one copy into a staging row as it arrives,
 * where a head row per sample dirtied a page per series in every transaction (BENCHMARKS.md figure
 * 3), and its chunk's coding once a minute. Readers take the staged samples beside the chunks
 * (metrics.ts); the stored rollups count a sample once it is packed.
 */
export class MetricWriter {
  readonly #series: SeriesIds;
  readonly #packer: SqliteMetricPacker;
  /** Per host, the samples `put` since the last flush. */
  readonly #pending = new Map<string, StagedSample[]>();
  /**
   * The arrival (ms) of the last write flushed, committed or not (its agent waits for an ack either
   * way), not the latest ever seen, so that a clock set back holds up no packing: while writes
   * come, their budgets pack finished hours (see pack). None before the first.
   */
  #lastArrival = Number.NEGATIVE_INFINITY;

  constructor(db: DatabaseSync, series: SeriesIds) {
    this.#series = series;
    this.#packer = new SqliteMetricPacker(db);
  }

  /** Gathers a host's samples (already on the server's time line) for `flush`. */
  put(hostId: string, samples: readonly MetricSample[]): void {
    if (samples.length === 0) return;
    let pending = this.#pending.get(hostId);
    if (pending === undefined) {
      pending = [];
      this.#pending.set(hostId, pending);
    }
    for (const sample of samples) {
      pending.push({ series: this.#series.ensure(hostId, sample.containerId), sample });
    }
  }

  /**
   * Stages what `put` gathered, then packs staging due at `now` (ms: the latest arrival among the
   * transaction's writes, so that staging follows the clock the writes arrive by), at least
   * PACK_RATIO times what it staged (SqliteMetricPacker.packDue: a group that fails to pack is put
   * off, and refuses no write).
   */
  flush(now: number): void {
    this.#lastArrival = now;
    let staged = 0;
    for (const [hostId, samples] of this.#pending) {
      this.#packer.stage(hostId, samples);
      staged += samples.length;
    }
    this.#pending.clear();
    const limit = Math.max(PACK_FLOOR, PACK_RATIO * staged);
    this.#packer.packDue(now, limit);
    this.#packer.packHoursDue(now, limit);
  }

  /**
   * Packs staging due at `now` (ms), then finished hours (packHoursDue), at least `limit` samples
   * of each when there are; returns the samples packed: 0 once nothing is left. While writes come
   * (one arrived at `now` or later), only hours over for an hour more: the others are their
   * budgets', which pack an hour's samples within 48 minutes while the rate holds (PACK_RATIO), so
   * a backlog alone (the rate fell after a busy hour, a file's rollup rows from before migration
   * 11) is left to this. The retention sweep, which calls this until it packs less than `limit`,
   * packed every series' hour left in transactions of 100,000 samples, at 100–110 % of the
   * writer's core for 10–14 s a minute and ack p99 308–431 ms (BENCHMARKS.md figure 3, the hold
   * across 16:00 on a921132).
   */
  pack(now: number, limit: number): number {
    const staged = this.#packer.packDue(now, limit);
    return staged + this.#packer.packHoursDue(this.#lastArrival < now ? now : now - HOUR, limit);
  }

  /** After the caller's transaction committed: reports what packing set aside in it. */
  committed(): void {
    this.#packer.committed();
  }

  /** Forgets what `put` gathered and how far packing went: after a rolled back transaction. */
  forget(): void {
    this.#pending.clear();
    this.#packer.forget();
  }
}
