import type { DatabaseSync } from "node:sqlite";
import { SeriesCache } from "../series-cache.ts";

/**
 * The small integer that stands for a (host, container) pair in every metric and log row
 * (`series`, migration 9), cached in memory: an id never changes, and is reused only after its
 * host was deleted (`forgetHost`; the writer stores nothing for a deleted host).
 */
export class SeriesIds {
  readonly #find;
  readonly #insert;
  readonly #cache = new SeriesCache();

  constructor(db: DatabaseSync) {
    this.#find = db.prepare("SELECT id FROM series WHERE host_id = ? AND container_id = ?");
    this.#insert = db.prepare("INSERT INTO series (host_id, container_id) VALUES (?, ?) RETURNING id");
  }

  /** The pair's id, or null when nothing was ever stored for it. */
  find(hostId: string, containerId: string): number | null {
    const cached = this.#cache.get(hostId, containerId);
    if (cached !== undefined) return cached;
    const row = this.#find.get(hostId, containerId) as { id: number } | undefined;
    if (row === undefined) return null;
    this.#cache.set(hostId, containerId, row.id);
    return row.id;
  }

  /**
   * The pair's id, a new one made if needed: inside the caller's write transaction, so a rolled
   * back transaction takes its new ids with it (hence `forget`).
   */
  ensure(hostId: string, containerId: string): number {
    const found = this.find(hostId, containerId);
    if (found !== null) return found;
    const { id } = this.#insert.get(hostId, containerId) as { id: number };
    this.#cache.set(hostId, containerId, id);
    return id;
  }

  /**
   * Drops the host's pairs from the cache, once its series are deleted: SQLite may give their ids
   * to new series.
   */
  forgetHost(hostId: string): void {
    this.#cache.forgetHost(hostId);
  }

  /** Drops the cache: after a rolled back write, whose new ids no longer exist. */
  forget(): void {
    this.#cache.clear();
  }
}

/**
 * The first of `rows` (in the order a statement yields them) whose series is not in `skip`, if any;
 * the rows after it are not read. For a packer that passes over series whose packing failed.
 */
export function firstSeriesNotIn<T extends { series: number }>(
  rows: Iterable<T>,
  skip: ReadonlySet<number>,
): T | undefined {
  for (const row of rows) if (!skip.has(row.series)) return row;
  return undefined;
}
