/**
 * A (host, container) pair's key in a series cache: host ids hold no `/` (they are UUIDs), so a
 * host's keys are those starting with its id and a slash.
 */
export function seriesKey(hostId: string, containerId: string): string {
  return `${hostId}/${containerId}`;
}

/**
 * The series ids a backend has looked up or made, by (host, container) pair. An id stays valid
 * while its host exists; a deleted host's pairs are dropped (`forgetHost`), since SQLite may give
 * their ids to new series.
 */
export class SeriesCache {
  readonly #ids = new Map<string, number>();

  get(hostId: string, containerId: string): number | undefined {
    return this.#ids.get(seriesKey(hostId, containerId));
  }

  /** Caches an id by its pair's `seriesKey`. */
  set(key: string, id: number): void {
    this.#ids.set(key, id);
  }

  /** Drops a deleted host's pairs. */
  forgetHost(hostId: string): void {
    const prefix = seriesKey(hostId, "");
    for (const key of this.#ids.keys()) if (key.startsWith(prefix)) this.#ids.delete(key);
  }

  /** Drops every pair: after a rolled back transaction, whose new ids no longer exist. */
  clear(): void {
    this.#ids.clear();
  }
}
