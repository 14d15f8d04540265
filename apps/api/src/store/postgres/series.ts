import { SeriesCache } from "../series-cache.ts";
import type { Queryable } from "./database.ts";

/**
 * The small integer that stands for a (host, container) pair in every metric and log row (table
 * `series`), cached in memory: ids are never reused or changed while the host exists.
 */
export class SeriesIds {
  readonly #cache = new SeriesCache();

  /** The pair's id, or null when nothing was ever stored for it. */
  async find(db: Queryable, hostId: string, containerId: string): Promise<number | null> {
    const cached = this.#cache.get(hostId, containerId);
    if (cached !== undefined) return cached;
    const { rows } = await db.query<{ id: number }>(
      "SELECT id FROM series WHERE host_id = $1 AND container_id = $2",
      [hostId, containerId],
    );
    const id = rows[0]?.id;
    if (id === undefined) return null;
    this.#cache.set(hostId, containerId, id);
    return id;
  }

  /**
   * The ids of the pairs (new ones made); in the caller's transaction, so the new ids are
   * cached only once `commit` is called after it committed. Two replicas making the same pair at
   * once get the same id (the second waits on the first's unique key, then reads its row).
   */
  async ensure(db: Queryable, pairs: Iterable<readonly [string, string]>): Promise<Ensured> {
    const ids = new SeriesCache();
    const missing = new Map<string, Set<string>>();
    for (const [hostId, containerId] of pairs) {
      if (ids.get(hostId, containerId) !== undefined) continue;
      const cached = this.#cache.get(hostId, containerId);
      if (cached !== undefined) ids.set(hostId, containerId, cached);
      else {
        const containers = missing.get(hostId);
        if (containers === undefined) missing.set(hostId, new Set([containerId]));
        else containers.add(containerId);
      }
    }
    const made: { host_id: string; container_id: string; id: number }[] = [];
    if (missing.size > 0) {
      // In key order (code units, as sort() compares), so that replicas making overlapping pairs at
      // once lock them in one order.
      const hosts: string[] = [];
      const containers: string[] = [];
      for (const hostId of [...missing.keys()].sort()) {
        for (const containerId of [...(missing.get(hostId) ?? [])].sort()) {
          hosts.push(hostId);
          containers.push(containerId);
        }
      }
      await db.query(
        `INSERT INTO series (host_id, container_id)
         SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
        [hosts, containers],
      );
      const { rows } = await db.query<{ id: number; host_id: string; container_id: string }>(
        `SELECT s.id, s.host_id, s.container_id FROM series s
         JOIN unnest($1::text[], $2::text[]) AS p(host_id, container_id) USING (host_id, container_id)`,
        [hosts, containers],
      );
      made.push(...rows);
    }
    for (const row of made) ids.set(row.host_id, row.container_id, row.id);
    return {
      id: (hostId, containerId) => {
        const id = ids.get(hostId, containerId);
        if (id === undefined) throw new Error(`no series for ${hostId}/${containerId}`);
        return id;
      },
      commit: () => {
        for (const row of made) this.#cache.set(row.host_id, row.container_id, row.id);
      },
    };
  }

  /** Forgets a deleted host's pairs (their rows went with it). */
  forgetHost(hostId: string): void {
    this.#cache.forgetHost(hostId);
  }
}

/** The series of one write, looked up or made. */
export interface Ensured {
  /** The pair's id; throws for a pair that was not passed to `ensure`. */
  id(hostId: string, containerId: string): number;
  /** Caches the ids made, once the transaction that made them committed. */
  commit(): void;
}
