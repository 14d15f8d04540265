import type { WebSocket } from "ws";

/**
 * Pings the peer every interval and terminates the socket when a whole interval passed with
 * neither a pong nor any frame from it. `pingData`, when given, makes each ping's payload (at most
 * 125 bytes; e.g. a clock probe). Returns the function that stops it.
 */
export function keepAlive(ws: WebSocket, intervalMs: number, pingData?: () => string): () => void {
  let alive = true;
  const markAlive = () => {
    alive = true;
  };
  ws.on("pong", markAlive);
  ws.on("message", markAlive);
  const timer = setInterval(() => {
    if (!alive) {
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping(pingData?.());
  }, intervalMs);
  return () => clearInterval(timer);
}
