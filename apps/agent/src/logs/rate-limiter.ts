/**
 * Token bucket: `rate` lines per second on average, bursts up to one second's worth.
 *
 * Time is the log's own (Docker's timestamp of each line), not the agent's clock: a backlog read
 * after an agent restart is a container that logged at its normal pace and is not cut, while a
 * container writing 10,000 lines within a second is, however fast or slow the agent reads them.
 */
export class RateLimiter {
  readonly #rate: number;
  #tokens: number;
  #last: number | null = null;

  constructor(ratePerSecond: number) {
    this.#rate = ratePerSecond;
    this.#tokens = ratePerSecond;
  }

  /** atMs: when the line was written. Slightly out-of-order times (stdout vs stderr) add nothing. */
  tryTake(atMs: number): boolean {
    const elapsed = this.#last === null ? 0 : Math.max(0, atMs - this.#last);
    this.#last = this.#last === null ? atMs : Math.max(this.#last, atMs);
    this.#tokens = Math.min(this.#rate, this.#tokens + (elapsed / 1000) * this.#rate);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
