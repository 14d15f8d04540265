import { ApiError } from "@crowsnest/protocol";

/** Anything with zod's safeParse: every response is validated against the protocol's schema. */
export interface Schema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: { message: string } };
}

/** An HTTP error from the server, carrying its `{ error: { code, message, field, requestId } }` verbatim. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  /** The server's id for the request, to quote in a report: its log lines carry it. */
  readonly requestId: string | undefined;
  constructor(status: number, code: string, message: string, field?: string, requestId?: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.field = field;
    this.requestId = requestId;
  }
}

/** Where to send the user when their session is missing or expired, remembering where they were. */
export function loginUrl(current: string): string {
  return `/login?next=${encodeURIComponent(current)}`;
}

/**
 * Where to send the user after signing in. `next` is resolved with `URL` against `origin` (the
 * page's own, `location.origin`), exactly as the browser would resolve it, and kept only when the
 * result is on that origin and not the login page itself; anything else (`//evil`, `/\\evil`, tabs
 * or newlines the parser drops, `javascript:`) gives `/fleet`. The answer is the resolved absolute
 * URL, never the raw text, so the browser cannot read it differently from what was checked.
 */
export function safeNext(next: string | null | undefined, origin: string): string {
  const own = new URL(origin);
  const fallback = new URL("/fleet", origin).href;
  const target = next ? URL.parse(next, origin) : null;
  // The scheme too: `blob:http://own/…` has our origin but is no page of ours.
  if (target?.origin !== own.origin || target.protocol !== own.protocol) return fallback;
  if (target.pathname === "/login" || target.pathname.startsWith("/login/")) return fallback;
  return target.href;
}

/** The page's location; typed structurally so this module also compiles (and is tested) outside a DOM. */
export interface PageLocation {
  protocol: string;
  host: string;
  pathname: string;
  search: string;
  assign(url: string): void;
}

export function pageLocation(): PageLocation | null {
  return (globalThis as { location?: PageLocation }).location ?? null;
}

/** Set once a deliberate sign-out starts, lifted only if the server refuses it; see `signOut`. */
let signingOut = false;

/** Sends the user to log in, with the page they were on as `next`; does nothing once `signOut` started. */
export function redirectToLogin(): void {
  const loc = pageLocation();
  if (signingOut || !loc || loc.pathname.startsWith("/login")) return;
  loc.assign(loginUrl(loc.pathname + loc.search));
}

/**
 * A deliberate sign-out: `end` ends the session on the server, then the page goes to `/login`
 * with no `next`. A 401 from `end` counts as done (the session had already ended). The session's
 * end also closes the live socket and fails the requests in flight with 401, some of them only
 * after `end` returned; from the start of `signOut` on, those start no navigation of their own to
 * the login page, which would abort this one (or win it, and send the next user to the page this
 * one left). The guard stays up for the page's remaining life: it is leaving.
 * Errors: whatever else `end` throws, with the guard lifted again.
 */
export async function signOut(end: () => Promise<unknown>): Promise<void> {
  signingOut = true;
  try {
    await end();
  } catch (err) {
    if (!(err instanceof HttpError && err.status === 401)) {
      signingOut = false;
      throw err;
    }
  }
  pageLocation()?.assign("/login");
}

interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  signal?: AbortSignal;
  /** Do not redirect to the login page on 401 (the login form itself, /api/me probes). */
  noAuthRedirect?: boolean;
}

export async function request<T>(schema: Schema<T>, path: string, options: RequestOptions = {}): Promise<T> {
  const init: RequestInit = {
    method: options.method ?? "GET",
    credentials: "same-origin",
    headers: options.body === undefined ? {} : { "content-type": "application/json" },
    signal: options.signal ?? null,
  };
  if (options.body !== undefined) init.body = JSON.stringify(options.body);
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new HttpError(0, "network", `Cannot reach the server: ${(err as Error).message}`);
  }
  const text = await response.text();
  let json: unknown = null;
  if (text !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) {
    if (response.status === 401 && !options.noAuthRedirect) redirectToLogin();
    const parsed = ApiError.safeParse(json);
    if (parsed.success) {
      const e = parsed.data.error;
      throw new HttpError(response.status, e.code, e.message, e.field, e.requestId);
    }
    throw new HttpError(response.status, "http", `HTTP ${response.status} ${response.statusText}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new HttpError(
      response.status,
      "bad_response",
      `Unexpected response from ${path}: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

export function errorText(err: unknown): string {
  if (err instanceof HttpError) {
    const text = err.status > 0 ? `${err.status} ${err.code}: ${err.message}` : err.message;
    // A server fault is worth reporting: give the id its log lines carry.
    return err.status >= 500 && err.requestId ? `${text} (request ${err.requestId})` : text;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

export function query(params: Record<string, string | number | null | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") sp.set(k, String(v));
  }
  const s = sp.toString();
  return s === "" ? "" : `?${s}`;
}
