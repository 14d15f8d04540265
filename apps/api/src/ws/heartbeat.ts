import type { WebSocket } from "ws";

/** A socket's heartbeat (keepAlive). */
export interface KeepAlive {
  /** Stops pinging, and judging the peer. */
  stop(): void;
  /** Stops reading the socket (`ws.pause()`): while it is not read, the peer's silence is this side's. */
  pause(): void;
  /** Reads the socket again (`ws.resume()`). */
  resume(): void;
  /**
   * Whether the socket was not read at some time since `since` (ms since the epoch): what the peer
   * sent then, a pong among it, waited unread.
   */
  pausedSince(since: number): boolean;
}

/** How many intervals a ping may wait for an answer, counting only the time the socket is read. */
const SILENT_INTERVALS = 1.5;

/**
 * Pings the peer every interval and terminates the socket once a ping has waited an interval and a
 * half (SILENT_INTERVALS) of the time the socket was read with neither a pong nor any frame from
 * the peer since: a peer that answers each ping within an interval is kept.
 * `pingData`, when given, makes each ping's payload (at most 125 bytes; e.g. a clock probe).
 *
 * Only the time the socket is read counts: one this side stopped reading (KeepAlive.pause,
 * backpressure while the store is behind) cannot show its pongs, which wait unread in its buffer.
 * Before, a backlog that stayed full for an interval dropped every agent, each then reconnecting
 * and resending all it held (BENCHMARKS.md figure 3: up to 17 of 20 sockets closed in a 26-minute
 * hold at 1 s heartbeats). A socket never read again (a store that never catches up) is never
 * dropped by this. Nor is a peer dropped for this side's own stall (a long synchronous task, a
 * garbage collection): the wait runs from the ping, not from what was last heard, so a stall with
 * no ping outstanding costs nothing; and a ping found overdue is judged again once the input that
 * came meanwhile is read (`setImmediate` runs after the event loop's poll phase; ws emits a pong as
 * it reads it, its default `allowSynchronousEvents`), so that its pong, arrived while this side
 * stalled, counts. A socket paused at any time from the overdue tick to that judgement is judged
 * at a later tick, once read again: input that fills the backlog in that poll phase pauses every
 * socket before their pongs are read (so a hung peer paused at every overdue tick is kept). Before,
 * a stall of an interval and a half dropped every peer at once (possibly what closed a bench's
 * /ws/live socket 12 minutes into a hold at 1 s heartbeats).
 */
export function keepAlive(ws: WebSocket, intervalMs: number, pingData?: () => string): KeepAlive {
  /**
   * Whether a ping waits for an answer; the time it waited while read before `readSince` (ms); and
   * since when the socket is read (null: paused).
   */
  let waiting = false;
  let waitedMs = 0;
  let readSince: number | null = performance.now();
  /** When the socket was last paused (ms since the epoch). */
  let pausedAt = Number.NEGATIVE_INFINITY;
  let stopped = false;
  const heard = () => {
    waiting = false;
    waitedMs = 0;
    if (readSince !== null) readSince = performance.now();
  };
  ws.on("pong", heard);
  ws.on("message", heard);
  const overdue = () =>
    waiting &&
    waitedMs + (readSince === null ? 0 : performance.now() - readSince) >= SILENT_INTERVALS * intervalMs;
  const timer = setInterval(() => {
    if (overdue()) {
      const judgedAt = performance.now();
      setImmediate(() => {
        // Paused (or resumed) meanwhile: its pong may wait unread; judged at a later tick.
        if (stopped || readSince === null || readSince > judgedAt) return;
        if (overdue()) ws.terminate();
      });
      return;
    }
    if (!waiting) heard();
    waiting = true;
    ws.ping(pingData?.());
  }, intervalMs);
  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
    pause: () => {
      if (readSince !== null) waitedMs += performance.now() - readSince;
      readSince = null;
      pausedAt = Date.now();
      ws.pause();
    },
    resume: () => {
      readSince ??= performance.now();
      ws.resume();
    },
    pausedSince: (since) => readSince === null || pausedAt >= since,
  };
}
