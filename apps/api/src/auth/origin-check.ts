import type { IncomingHttpHeaders } from "node:http";

/**
 * Whether a browser request comes from our own pages. The `Origin` must equal the origin of
 * CROWSNEST_PUBLIC_URL when that is set, or else name the same host (and port) the request was
 * sent to. A missing Origin is refused: every browser sends one on a WebSocket handshake, so its
 * absence means a client that is not a browser page of ours.
 */
export function isOwnOrigin(headers: IncomingHttpHeaders, publicUrl: string | null): boolean {
  const origin = headers.origin;
  if (typeof origin !== "string" || origin === "null") return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // not a URL, so not our origin
  }
  if (publicUrl !== null) return parsed.origin === new URL(publicUrl).origin;
  return headers.host !== undefined && parsed.host === headers.host.toLowerCase();
}
