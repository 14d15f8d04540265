import type { WebSocket } from "ws";

/** A socket's heartbeat (keepAlive). */
export interface KeepAlive {
  /** Stops pinging. */
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

/** How many intervals the socket may be read with nothing from the peer before it is dropped. */
const SILENT_INTERVALS = 1.5;

/**
 * Pings the peer every interval and terminates the socket once it was read for an interval and a
 * half (SILENT_INTERVALS) with neither a pong nor any frame from it: a peer that answers each ping
 * within an interval is kept. `pingData`, when given, makes each ping's payload (at most 125 bytes;
 * e.g. a clock probe).
 *
 * Only the time the socket is read counts: one this side stopped reading (KeepAlive.pause,
 * backpressure while the store is behind) cannot show its pongs, which wait unread in its buffer.
 * Before, a backlog that stayed full for an interval dropped every agent, each then reconnecting
 * and resending all it held (BENCHMARKS.md figure 3: up to 17 of 20 sockets closed in a 26-minute
 * hold at 1 s heartbeats). A socket never read again (a store that never catches up) is never
 * dropped by this: while nothing can be stored, no agent is refused for it.
 */
export function keepAlive(ws: WebSocket, intervalMs: number, pingData?: () => string): KeepAlive {
  /** Time read with nothing heard before `readSince` (ms), and since when it is read (null: paused). */
  let silentMs = 0;
  let readSince: number | null = performance.now();
  /** When the socket was last paused (ms since the epoch). */
  let pausedAt = Number.NEGATIVE_INFINITY;
  const heard = () => {
    silentMs = 0;
    if (readSince !== null) readSince = performance.now();
  };
  ws.on("pong", heard);
  ws.on("message", heard);
  const timer = setInterval(() => {
    const silence = silentMs + (readSince === null ? 0 : performance.now() - readSince);
    if (silence >= SILENT_INTERVALS * intervalMs) {
      ws.terminate();
      return;
    }
    ws.ping(pingData?.());
  }, intervalMs);
  return {
    stop: () => clearInterval(timer),
    pause: () => {
      if (readSince !== null) silentMs += performance.now() - readSince;
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
