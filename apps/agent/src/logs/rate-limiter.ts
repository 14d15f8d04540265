/**
 * Token bucket on the agent's clock: `rate` lines per second on average, bursts up to one
 * second's worth. A log follower takes one token per line it hands over; with none left it stops
 * reading (Docker keeps the rest in its log file) and reads on once `msUntilFull` has passed.
 */
export class RateLimiter {
  readonly #rate: number;
  #tokens: number;
  #last: number | null = null;

  /** ratePerSecond: CROWSNEST_LOG_RATE (default 1,000 lines/s); at least 1. */
  constructor(ratePerSecond: number) {
    this.#rate = Math.max(1, ratePerSecond);
    this.#tokens = this.#rate;
  }

  /** nowMs: the agent's clock. False when the bucket is empty (nothing taken). */
  tryTake(nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until the bucket holds a full second's burst again. */
  msUntilFull(nowMs: number): number {
    this.#refill(nowMs);
    return Math.ceil(((this.#rate - this.#tokens) / this.#rate) * 1000);
  }

  #refill(nowMs: number): void {
    const elapsed = this.#last === null ? 0 : Math.max(0, nowMs - this.#last);
    this.#last = this.#last === null ? nowMs : Math.max(this.#last, nowMs);
    this.#tokens = Math.min(this.#rate, this.#tokens + (elapsed / 1000) * this.#rate);
  }
}
