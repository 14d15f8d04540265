/**
 * A failed write counts as the store's state until a write succeeds, or until the database has
 * answered a ping with no write failing for this long (ms): a replica whose agents moved away while
 * its database was down has nothing left to write that would clear it. Under a full disk writes go
 * on failing (an agent's batches and heartbeats arrive every few seconds), so it stays failing.
 */
const WRITE_FAILURE_STALE_MS = 10_000;

/**
 * Whether the store is accepting writes and its database answering. A failed telemetry write (a
 * full disk, most often) marks it failing until the next write succeeds (or it goes stale, see
 * WRITE_FAILURE_STALE_MS); a database that does not answer StorageProbe's ping (a PostgreSQL server
 * down) marks it failing until it answers again, so that a replica with nothing to write says so
 * too. /api/health reports it so that an operator or a load balancer sees why agents are not
 * being acknowledged.
 */
export class StorageHealth {
  #failure: { message: string; since: number } | null = null;
  /** performance.now() of the last failed write. */
  #lastFailedAt = Number.NEGATIVE_INFINITY;
  #unreachable: { message: string; since: number } | null = null;

  /** A write failed; `at` in epoch ms. */
  failed(err: Error, at: number): void {
    this.#failure ??= { message: err.message, since: at };
    this.#lastFailedAt = performance.now();
  }

  succeeded(): void {
    this.#failure = null;
  }

  /** The database did not answer a ping; `at` in epoch ms. */
  unreachable(err: Error, at: number): void {
    this.#unreachable ??= { message: `database unreachable: ${err.message}`, since: at };
  }

  /** The database answered a ping. */
  reachable(): void {
    this.#unreachable = null;
    if (performance.now() - this.#lastFailedAt > WRITE_FAILURE_STALE_MS) this.#failure = null;
  }

  get ok(): boolean {
    return this.#failure === null && this.#unreachable === null;
  }

  /** The first failure seen (an unreachable database before a failed write), with its start in epoch ms. */
  report(): { ok: true } | { ok: false; error: string; since: number } {
    const failure = this.#unreachable ?? this.#failure;
    return failure === null ? { ok: true } : { ok: false, error: failure.message, since: failure.since };
  }
}
