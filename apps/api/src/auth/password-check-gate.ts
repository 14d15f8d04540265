import pLimit, { type LimitFunction } from "p-limit";
import { AppError } from "../errors/app-error.ts";

/**
 * Bounds the scrypt work that people without a session can cause. Each check takes ~0.3 s and
 * 128 MiB on one of libuv's four pool threads (which file and DNS work share), so at most
 * `concurrency` run at once and `queue` wait; beyond that a login is refused at once with 503 and
 * Retry-After, instead of queueing behind a burst for a minute.
 */
export class PasswordCheckGate {
  readonly #limit: LimitFunction;
  readonly #queue: number;

  constructor(concurrency = 2, queue = 16) {
    this.#limit = pLimit(concurrency);
    this.#queue = queue;
  }

  /** Runs `check` in turn; throws AppError `unavailable` when the queue is full. */
  run<T>(check: () => Promise<T>): Promise<T> {
    if (this.#limit.pendingCount >= this.#queue) {
      throw new AppError("unavailable", "too many sign-ins at once; try again in a moment", {
        retryAfterSeconds: 1,
      });
    }
    return this.#limit(check);
  }
}
