import type { WebSocket } from "ws";

/** A socket's heartbeat (keepAlive). */
export interface KeepAlive {
  /** Stops pinging. */
  stop(): void;
  /** Pauses reading the socket (`ws.pause()`): the interval this happens in drops nothing (keepAlive). */
  pause(): void;
}

/**
 * Pings the peer every interval and terminates the socket when a whole interval passed with
 * neither a pong nor any frame from it. `pingData`, when given, makes each ping's payload (at most
 * 125 bytes; e.g. a clock probe).
 *
 * A socket this side stopped reading (KeepAlive.pause, backpressure while the store is behind)
 * cannot show its pongs, which wait unread in its buffer: its silence is this side's, so no interval
 * in which it was paused drops it. Before, a backlog that stayed full for an interval dropped every
 * agent, each then reconnecting and resending all it held (BENCHMARKS.md figure 3: up to 17 of 20
 * sockets closed in a 26-minute hold at 1 s heartbeats).
 */
export function keepAlive(ws: WebSocket, intervalMs: number, pingData?: () => string): KeepAlive {
  let alive = true;
  /** Whether the socket was paused at some time since the last ping. */
  let paused = false;
  const markAlive = () => {
    alive = true;
  };
  ws.on("pong", markAlive);
  ws.on("message", markAlive);
  const timer = setInterval(() => {
    if (!alive && !paused && !ws.isPaused) {
      ws.terminate();
      return;
    }
    paused = ws.isPaused;
    alive = false;
    ws.ping(pingData?.());
  }, intervalMs);
  return {
    stop: () => clearInterval(timer),
    pause: () => {
      paused = true;
      ws.pause();
    },
  };
}
