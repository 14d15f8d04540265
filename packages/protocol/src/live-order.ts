import { z } from "zod";
import { Incarnation } from "./agent-messages.ts";

/**
 * The agent batch a live frame was relayed from: its host's per-run sequence. The server relays a
 * batch once it is validated, before it is stored, and relays it again if the agent resends it
 * (a lost ack, a reconnect, another replica): fan-out is at-most-once per relay, the store is the
 * truth, and the browser drops a frame whose batch it already has (see LiveOrder).
 */
export const BatchRef = z
  .object({
    /** The agent run that cut the batch; null for agents before protocol 1, which send none. */
    incarnation: Incarnation.nullable(),
    seq: z.number().int().positive(),
  })
  .strict();
export type BatchRef = z.infer<typeof BatchRef>;

/** What a browser does with a live frame: show it, drop it (it has it), or show a gap before it. */
export type LiveOrderVerdict = "next" | "repeat" | "jump";

interface StreamState {
  incarnation: string | null;
  seq: number;
  /** False right after a (re)connect or a gap notice: the next frame may follow a hole already accounted for. */
  checkPrev: boolean;
}

/**
 * The browser's side of the live sequence, per stream (a host's metrics, one container's logs):
 * a frame of a batch at or below the last one seen from the same agent run is a repeat; a frame
 * whose `prev` (the batch before it that had data for the stream) is above the last one seen
 * means frames were lost between the agent's server and this socket: a jump, shown as a gap.
 * Agent runs keep their batches in seq order, so one number per stream is all it remembers.
 */
export class LiveOrder {
  readonly #streams = new Map<string, StreamState>();

  /** Judges a frame of `stream` from `batch`, `prev` being null when the relaying server did not know it. */
  check(stream: string, batch: BatchRef, prev: number | null): LiveOrderVerdict {
    const last = this.#streams.get(stream);
    const sameRun = last !== undefined && last.incarnation === batch.incarnation;
    if (sameRun && batch.seq <= last.seq) return "repeat";
    this.#streams.set(stream, { incarnation: batch.incarnation, seq: batch.seq, checkPrev: true });
    return sameRun && last.checkPrev && prev !== null && prev > last.seq ? "jump" : "next";
  }

  /**
   * Frames of `stream` (all streams when omitted) may have been missed for a reason already shown
   * (a reconnect, a slow-consumer gap): the next frame is not taken for a jump; repeats still are.
   */
  resync(stream?: string): void {
    if (stream !== undefined) {
      const state = this.#streams.get(stream);
      if (state !== undefined) state.checkPrev = false;
      return;
    }
    for (const state of this.#streams.values()) state.checkPrev = false;
  }

  /** The stream key of a container's logs. */
  static logsStream(hostId: string, containerId: string): string {
    return `logs/${hostId}/${containerId}`;
  }

  /** The stream key of a host's metrics. */
  static metricsStream(hostId: string): string {
    return `metrics/${hostId}`;
  }
}
