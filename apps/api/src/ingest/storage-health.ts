/**
 * Whether the store is accepting writes. A failed telemetry write (a full disk, most often)
 * marks it failing until the next write succeeds; /api/health reports it so that an operator
 * or a load balancer sees why agents are not being acknowledged.
 */
export class StorageHealth {
  #failure: { message: string; since: number } | null = null;

  failed(err: Error, at: number): void {
    this.#failure ??= { message: err.message, since: at };
  }

  succeeded(): void {
    this.#failure = null;
  }

  get ok(): boolean {
    return this.#failure === null;
  }

  report(): { ok: true } | { ok: false; error: string; since: number } {
    return this.#failure === null
      ? { ok: true }
      : { ok: false, error: this.#failure.message, since: this.#failure.since };
  }
}
