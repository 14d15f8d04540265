import { z } from "zod";
import { isoTime } from "../iso-time.ts";

/** A Docker timestamp as the streams give it (RFC 3339, up to nanoseconds). */
const DockerTs = z.string().max(40);

/**
 * Where to pick up a container's log after a restart of the agent, or after it stopped reading
 * for backpressure.
 *
 * The position asks Docker for whole seconds (`since`), and neither timestamps nor their order
 * across stdout/stderr are unique, so a position is "ask for since=`since`, then skip the first
 * `skip` lines Docker returns": Docker replays the log file in order, so the lines already
 * handled are exactly a prefix of that replay. `since` trails the newest timestamp by one
 * second so that lines whose stdout/stderr timestamps interleave slightly are still replayed.
 * `first` and `last` (absent from positions kept by older agents) are the timestamps of the
 * first and the newest of those `skip` lines: a replay that does not start with `first` means
 * Docker rotated part of its log file away in between (see ResumeTracker.classify).
 */
export const ResumePoint = z.object({
  since: z.number().int().nonnegative(),
  skip: z.number().int().nonnegative(),
  first: DockerTs.optional(),
  last: DockerTs.optional(),
});
export type ResumePoint = z.infer<typeof ResumePoint>;

/**
 * What a line of a (re)opened stream is: part of the replayed prefix (handled before), new, or
 * new after lines that Docker no longer holds (its log file was rotated before they were read).
 */
export type LineKind = "replayed" | "new" | "new_after_loss";

const WINDOW_SECONDS = 1;

/** Decides, line by line, which lines of a (re)opened log stream are new, and tracks the position. */
export class ResumeTracker {
  #since: number;
  #toSkip = 0;
  /** Timestamps of handled lines at or after `since`, in order; their count is the position's skip. */
  #recent: string[] = [];
  #newest = "";
  #first: string | undefined;
  #last: string | undefined;
  #awaitingFirst = true;
  /** Set when the replay does not start where it should: the prefix ends at the newest handled line. */
  #skipUpTo: string | null = null;
  /** The first line not handled because reading stopped for backpressure, if any. */
  #refused: string | null = null;
  #gapStart = "";

  constructor(start: ResumePoint | null) {
    this.#since = start?.since ?? 0;
    this.#open(start);
  }

  /** The `since` to ask Docker for. */
  get since(): number {
    return this.#since;
  }

  /**
   * Classifies the next line of the stream; a replayed one is recorded at once, a new one only by
   * `record` (the caller may decline it for now). On the first line of a stream that should start
   * with the replayed prefix: if it is not the prefix's first line, Docker's file was rotated
   * since; the lines up to the newest handled one are still skipped, and a line after the point
   * where reading stopped (the refused line, or else the newest handled one) is "new_after_loss":
   * the lines between `gapStart` and it may be gone, how many nobody can tell.
   */
  classify(ts: string): LineKind {
    let lost = false;
    if (this.#awaitingFirst) {
      this.#awaitingFirst = false;
      if (this.#toSkip > 0 && this.#first !== undefined && ts !== this.#first) {
        this.#skipUpTo = this.#last ?? "";
        const stoppedAt = this.#refused ?? this.#last;
        lost = stoppedAt !== undefined && ts > stoppedAt;
        this.#gapStart = stoppedAt ?? "";
      }
      this.#refused = null;
    }
    if (this.#toSkip > 0 && !lost && (this.#skipUpTo === null || ts <= this.#skipUpTo)) {
      this.#toSkip--;
      this.#push(ts);
      return "replayed";
    }
    this.#toSkip = 0;
    return lost ? "new_after_loss" : "new";
  }

  /** Where the lines reported by the last "new_after_loss" may begin to be missing (a Docker timestamp). */
  get gapStart(): string {
    return this.#gapStart;
  }

  /** Records a new line as handled. */
  record(ts: string): void {
    this.#push(ts);
  }

  /** Records a line; false when it was already handled before (part of the replayed prefix). */
  accept(ts: string): boolean {
    if (this.classify(ts) === "replayed") return false;
    this.record(ts);
    return true;
  }

  /**
   * Records a line Docker wrote right after the last line of the stream just read (a snapshot read
   * to its end), so it is new even if that stream replayed fewer lines than expected.
   */
  recordNext(ts: string): void {
    this.#awaitingFirst = false;
    this.#toSkip = 0;
    this.#push(ts);
  }

  /**
   * The stream was read to its end; the next one is opened from `point`. A stream that returned no
   * line leaves the position as it was opened, so the next one is still checked against it.
   */
  reopen(): void {
    if (this.#awaitingFirst) return;
    this.#refused = null;
    this.#open(this.point);
  }

  /** Reading stops before this (new, unhandled) line; the next stream is opened from `point`. */
  stoppedBefore(ts: string): void {
    this.#refused = ts;
    this.#open(this.point);
  }

  get point(): ResumePoint {
    return {
      since: this.#since,
      skip: this.#recent.length,
      first: this.#recent[0],
      last: this.#newest === "" ? undefined : this.#newest,
    };
  }

  #open(start: ResumePoint | null): void {
    this.#toSkip = start?.skip ?? 0;
    this.#first = start?.first;
    this.#last = start?.last;
    this.#recent = [];
    this.#awaitingFirst = true;
    this.#skipUpTo = null;
  }

  #push(ts: string): void {
    if (ts > this.#newest) {
      this.#newest = ts;
      const since = Math.max(this.#since, epochSeconds(ts) - WINDOW_SECONDS);
      if (since > this.#since) {
        this.#since = since;
        const cutoff = isoTime(since * 1000).slice(0, 19);
        this.#recent = this.#recent.filter((t) => t >= cutoff);
      }
    }
    this.#recent.push(ts);
  }
}

function epochSeconds(ts: string): number {
  return Math.floor(Date.parse(`${ts.slice(0, 19)}Z`) / 1000);
}
