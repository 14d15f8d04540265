/**
 * Capped exponential backoff with full jitter: the delay before attempt n is uniform in
 * [min, min(cap, base * 2^n)], so a fleet of browsers does not reconnect in lockstep.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  minMs?: number;
}

export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const min = options.minMs ?? 0;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(min + random() * Math.max(0, ceiling - min));
}
