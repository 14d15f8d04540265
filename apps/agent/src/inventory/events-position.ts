import { z } from "zod";
import type { DockerEventMessage } from "../docker/answers.ts";

/**
 * How many event keys a position holds at most: the Engine keeps only its newest 256 events
 * (daemon/events eventsLimit) to replay, so an older handled event can never come back.
 */
const MAX_SEEN = 256;

/** The window replayed behind the newest handled event, for events published slightly out of order. */
const WINDOW_NS = 1_000_000_000n;

/**
 * Where to pick up Docker's `/events` stream: ask for `since` (seconds), and skip exactly the
 * replayed events whose key (see `eventKey`) is in `seen`: the handled events at or after
 * `since`. Deduplicating on what an event is rather than on a count means a daemon that replays
 * nothing (it restarted, its buffer is empty) loses nothing: its events are all new keys.
 */
export const EventsPosition = z.object({
  since: z.number().int().nonnegative(),
  seen: z.array(z.string().max(200)).max(MAX_SEEN),
});
export type EventsPosition = z.infer<typeof EventsPosition>;

/** An event's identity: its time in nanoseconds, type, action and actor (the container id). */
export function eventKey(message: DockerEventMessage): string {
  return `${eventNanos(message)} ${message.Type} ${message.Action} ${message.Actor.ID}`;
}

/** Decides, event by event, which events of a (re)opened stream are new, and tracks the position. */
export class EventsTracker {
  #since: number;
  /** Keys of handled events at or after `since`, oldest first. */
  #seen: string[];
  readonly #replayable: Set<string>;

  constructor(start: EventsPosition | null) {
    this.#since = start?.since ?? 0;
    this.#seen = [...(start?.seen ?? [])];
    this.#replayable = new Set(this.#seen);
  }

  /** The `since` to ask Docker for (0: no position yet, only new events). */
  get since(): number {
    return this.#since;
  }

  /** Records the event; false when it was handled before (replayed by the same daemon). */
  accept(message: DockerEventMessage): boolean {
    const key = eventKey(message);
    if (this.#replayable.delete(key)) return false;
    const nanos = eventNanos(message);
    const since = Number((nanos - WINDOW_NS) / WINDOW_NS);
    if (since > this.#since) {
      this.#since = since;
      const cutoff = BigInt(since) * WINDOW_NS;
      this.#seen = this.#seen.filter((k) => BigInt(k.slice(0, k.indexOf(" "))) >= cutoff);
    }
    this.#seen.push(key);
    if (this.#seen.length > MAX_SEEN) this.#seen.shift();
    return true;
  }

  get point(): EventsPosition {
    return { since: this.#since, seen: [...this.#seen] };
  }
}

function eventNanos(message: DockerEventMessage): bigint {
  if (message.timeNano !== undefined) return BigInt(message.timeNano);
  return BigInt(message.time ?? 0) * WINDOW_NS;
}
