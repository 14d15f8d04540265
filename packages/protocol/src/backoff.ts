/** The range of a capped exponential backoff; attempt n's ceiling is min(capMs, baseMs * 2^n). */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** The shortest wait (default 0): a browser waits a little even after its first failure. */
  minMs?: number;
}

/**
 * Capped exponential backoff with full jitter: the wait before attempt n (from 0) is drawn
 * uniformly from [min, min(cap, base * 2^n)), so a fleet of agents or browsers that lost the
 * server at the same moment does not reconnect in lockstep. The agent's reconnects (to the server
 * and to Docker) and the dashboard's live socket share it.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const min = options.minMs ?? 0;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.floor(min + random() * Math.max(0, ceiling - min));
}

/** `backoffDelay` with its attempt counter: `next()` after each failure, `reset()` after a success. */
export class Backoff {
  readonly #options: BackoffOptions;
  readonly #random: () => number;
  #attempt = 0;

  constructor(baseMs = 500, capMs = 30_000, random: () => number = Math.random) {
    this.#options = { baseMs, capMs };
    this.#random = random;
  }

  /** The wait before the next attempt; each call raises the ceiling until it reaches the cap. */
  next(): number {
    const delay = backoffDelay(this.#attempt, this.#options, this.#random);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return delay;
  }

  /** Starts over from the shortest ceiling. */
  reset(): void {
    this.#attempt = 0;
  }
}
