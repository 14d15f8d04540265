/** The browser session cookie: HttpOnly so scripts cannot read it, SameSite=Lax against CSRF. */
export const SESSION_COOKIE = "crowsnest_session";

export interface CookieOptions {
  /** Set when the dashboard is served over https (CROWSNEST_PUBLIC_URL starts with https:). */
  secure: boolean;
  maxAgeSeconds: number;
}

export function sessionCookie(token: string, options: CookieOptions): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${options.maxAgeSeconds}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", { secure, maxAgeSeconds: 0 });
}

/**
 * The session token from a `Cookie` header, or null. Our tokens are base64url, so anything else
 * under our cookie's name is ignored rather than decoded.
 */
export function readSessionToken(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const pair of cookieHeader.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = pair.slice(eq + 1).trim();
    if (/^[A-Za-z0-9_-]{16,128}$/.test(value)) return value;
  }
  return null;
}
