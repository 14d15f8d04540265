import type { IncomingHttpHeaders } from "node:http";
import type { FastifyRequest } from "fastify";

/**
 * Whether `origin` (an `Origin` header) is this server's: equal to the origin of
 * CROWSNEST_PUBLIC_URL when that is set, or else to `<scheme>://<Host header>`, compared as URL
 * origins (scheme, host and port; a default port written out or not is the same origin).
 * A missing, `null` or unparseable Origin is not ours. `scheme` is null where it cannot be known
 * (a WebSocket upgrade behind a TLS-terminating proxy): then only host and port are compared.
 */
export function isOwnOrigin(
  origin: string | undefined,
  request: { host: string | undefined; scheme: "http" | "https" | null },
  publicUrl: string | null,
): boolean {
  if (origin === undefined || origin === "null") return false;
  const parsed = parseUrl(origin);
  if (!parsed) return false;
  if (publicUrl !== null) return parsed.origin === new URL(publicUrl).origin;
  if (request.host === undefined) return false;
  const own = parseUrl(`${request.scheme ?? parsed.protocol.slice(0, -1)}://${request.host}`);
  return own !== null && parsed.origin === own.origin;
}

/** The /ws/live form: a browser always sends Origin on a WebSocket handshake. */
export function isOwnUpgradeOrigin(headers: IncomingHttpHeaders, publicUrl: string | null): boolean {
  return isOwnOrigin(headers.origin, { host: headers.host, scheme: null }, publicUrl);
}

/**
 * Whether a state-changing request comes from our own pages: its Origin is ours (scheme included,
 * as Fastify sees it: `X-Forwarded-Proto` counts only from CROWSNEST_TRUSTED_PROXIES), or, from a
 * browser that sends no Origin, `Sec-Fetch-Site: same-origin`. Anything else is refused, clients
 * without either header too: the only credential these routes take is the browser's cookie.
 */
export function isSameOriginRequest(request: FastifyRequest, publicUrl: string | null): boolean {
  const { origin } = request.headers;
  if (origin !== undefined) {
    return isOwnOrigin(origin, { host: request.headers.host, scheme: request.protocol }, publicUrl);
  }
  return request.headers["sec-fetch-site"] === "same-origin";
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null; // not a URL, so not our origin
  }
}
