/**
 * Log timestamps are stored as RFC 3339 text with exactly nine fractional digits: text
 * order is then time order and Docker's nanoseconds survive (a JS number cannot hold them).
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

export function normalizeTs(ts: string): string {
  const match = RFC3339.exec(ts);
  if (!match) throw new Error(`not an RFC 3339 UTC timestamp: ${ts}`);
  return `${match[1]}.${(match[2] ?? "").padEnd(9, "0")}Z`;
}

export function msToTs(ms: number): string {
  return normalizeTs(new Date(ms).toISOString());
}

/**
 * A normalized timestamp (see normalizeTs) moved by `deltaMs` (an integer; negative moves it back),
 * its digits below the millisecond kept: how a Docker time is put on the server's time line.
 */
export function shiftTs(ts: string, deltaMs: number): string {
  const normalized = normalizeTs(ts);
  if (deltaMs === 0) return normalized;
  const shifted = new Date(Date.parse(`${normalized.slice(0, 23)}Z`) + deltaMs).toISOString();
  return `${shifted.slice(0, 23)}${normalized.slice(23)}`;
}

/** The last nanosecond of a millisecond, so that an inclusive `to` in ms covers its whole millisecond. */
export function msToTsEnd(ms: number): string {
  return `${msToTs(ms).slice(0, -7)}999999Z`;
}

const NS_PER_MS = 1_000_000n;

/** A timestamp (see normalizeTs) as integer nanoseconds since the epoch. */
export function tsToNs(ts: string): bigint {
  const normalized = normalizeTs(ts);
  return BigInt(Date.parse(`${normalized.slice(0, 19)}Z`)) * NS_PER_MS + BigInt(normalized.slice(20, 29));
}

/** Integer nanoseconds since the epoch as a normalized timestamp (the inverse of tsToNs). */
export function nsToTs(ns: bigint): string {
  const ms = ns / NS_PER_MS - (ns % NS_PER_MS < 0n ? 1n : 0n);
  const subMs = ns - ms * NS_PER_MS;
  return `${new Date(Number(ms)).toISOString().slice(0, 23)}${String(subMs).padStart(6, "0")}Z`;
}
