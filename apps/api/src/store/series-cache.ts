/**
 * The series ids a backend has looked up or made, by host and then container. An id stays valid
 * while its host exists; a deleted host's pairs are dropped (`forgetHost`), since SQLite may give
 * their ids to new series. By host, then container, rather than by one joined key: the writer looks
 * up every sample's series, and building a key string for each was 5 % of its time.
 */
export class SeriesCache {
  readonly #byHost = new Map<string, Map<string, number>>();

  get(hostId: string, containerId: string): number | undefined {
    return this.#byHost.get(hostId)?.get(containerId);
  }

  set(hostId: string, containerId: string, id: number): void {
    let containers = this.#byHost.get(hostId);
    if (containers === undefined) {
      containers = new Map();
      this.#byHost.set(hostId, containers);
    }
    containers.set(containerId, id);
  }

  /** Drops a deleted host's pairs. */
  forgetHost(hostId: string): void {
    this.#byHost.delete(hostId);
  }

  /** Drops every pair: after a rolled back transaction, whose new ids no longer exist. */
  clear(): void {
    this.#byHost.clear();
  }
}
