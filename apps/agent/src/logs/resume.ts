import { z } from "zod";

/**
 * Where to pick up a container's log after a restart of the agent.
 *
 * Docker's `since` filter has second granularity, and neither timestamps nor their order
 * across stdout/stderr are unique, so a position is "ask for since=`since`, then skip the first
 * `skip` lines Docker returns": Docker replays the log file in order, so the lines already
 * handled are exactly a prefix of that replay. `since` trails the newest timestamp by one
 * second so that lines whose stdout/stderr timestamps interleave slightly are still replayed.
 */
export const ResumePoint = z.object({
  since: z.number().int().nonnegative(),
  skip: z.number().int().nonnegative(),
});
export type ResumePoint = z.infer<typeof ResumePoint>;

const WINDOW_SECONDS = 1;

/** Decides, line by line, which lines of a (re)opened log stream are new, and tracks the position. */
export class ResumeTracker {
  #since: number;
  #toSkip: number;
  /** Timestamps of handled lines at or after `since`, in order; their count is the position's skip. */
  #recent: string[] = [];
  #newest = "";

  constructor(start: ResumePoint | null) {
    this.#since = start?.since ?? 0;
    this.#toSkip = start?.skip ?? 0;
  }

  /** The `since` to ask Docker for. */
  get since(): number {
    return this.#since;
  }

  /** Records a line; false when it was already handled before (part of the replayed prefix). */
  accept(ts: string): boolean {
    const fresh = this.#toSkip === 0;
    if (!fresh) this.#toSkip--;
    if (ts > this.#newest) {
      this.#newest = ts;
      const since = Math.max(this.#since, epochSeconds(ts) - WINDOW_SECONDS);
      if (since > this.#since) {
        this.#since = since;
        const cutoff = new Date(since * 1000).toISOString().slice(0, 19);
        this.#recent = this.#recent.filter((t) => t >= cutoff);
      }
    }
    this.#recent.push(ts);
    return fresh;
  }

  get point(): ResumePoint {
    return { since: this.#since, skip: this.#recent.length };
  }
}

function epochSeconds(ts: string): number {
  return Math.floor(Date.parse(`${ts.slice(0, 19)}Z`) / 1000);
}
