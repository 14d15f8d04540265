import type { Store } from "../store/store.ts";
import type { StorageHealth } from "./storage-health.ts";

/**
 * Pings the store (Store.ping) for /api/health, at most once per `everyMs` and one ping at a time:
 * a load balancer checking every replica each second, and anybody else asking, cost the database
 * one `SELECT 1` per replica per `everyMs`. A ping that fails, or has not answered within
 * `timeoutMs` (a database host that drops packets never refuses), marks the database unreachable
 * in StorageHealth until one answers.
 */
export class StorageProbe {
  readonly #store: Pick<Store, "ping">;
  readonly #health: StorageHealth;
  readonly #everyMs: number;
  readonly #timeoutMs: number;
  #lastAt = Number.NEGATIVE_INFINITY;
  #running: Promise<void> | null = null;

  constructor(store: Pick<Store, "ping">, health: StorageHealth, everyMs = 1_000, timeoutMs = 2_000) {
    this.#store = store;
    this.#health = health;
    this.#everyMs = everyMs;
    this.#timeoutMs = timeoutMs;
  }

  /** Resolves once StorageHealth reflects a ping no older than `everyMs` (or the one running). */
  check(): Promise<void> {
    if (this.#running !== null) return this.#running;
    if (performance.now() - this.#lastAt < this.#everyMs) return Promise.resolve();
    this.#lastAt = performance.now();
    this.#running = this.#ping().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      await Promise.race([this.#store.ping(), timeout]);
      this.#health.reachable();
    } catch (err) {
      this.#health.unreachable(err instanceof Error ? err : new Error(String(err)), Date.now());
    } finally {
      clearTimeout(timer);
    }
  }
}
