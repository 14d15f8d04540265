import type { BatchRef, ContainerInfo } from "@crowsnest/protocol";

/**
 * Per host and container, the last logs batch relayed with lines of that container: what a live
 * logs frame names as its `prev`, so that a browser can tell a lost frame (a jump) from a
 * container that was simply quiet (see LiveOrder). It lives where every batch of an agent passes,
 * the connection's server, so frames lost further on (a bus, a congested socket) show as jumps.
 */
export class RelayOrder {
  readonly #byHost = new Map<string, Map<string, BatchRef>>();

  /**
   * Records `batch` as the newest with lines of `containerIds` and returns, for each container
   * whose previous batch of the same agent run is known, that batch's seq. A batch at or below the
   * newest recorded (a resend) changes nothing and gets no `prev`: the browser drops it anyway.
   */
  advance(hostId: string, batch: BatchRef, containerIds: Iterable<string>): Map<string, number> {
    let forHost = this.#byHost.get(hostId);
    if (forHost === undefined) {
      forHost = new Map();
      this.#byHost.set(hostId, forHost);
    }
    const prev = new Map<string, number>();
    for (const id of containerIds) {
      const last = forHost.get(id);
      const sameRun = last !== undefined && last.incarnation === batch.incarnation;
      if (sameRun && batch.seq <= last.seq) continue;
      if (sameRun) prev.set(id, last.seq);
      forHost.set(id, batch);
    }
    return prev;
  }

  /** Forgets the containers a host no longer has (its inventory), so memory follows the fleet. */
  retainOnly(hostId: string, containers: readonly ContainerInfo[]): void {
    const forHost = this.#byHost.get(hostId);
    if (forHost === undefined) return;
    const ids = new Set(containers.map((c) => c.id));
    for (const id of forHost.keys()) if (!ids.has(id)) forHost.delete(id);
  }
}
