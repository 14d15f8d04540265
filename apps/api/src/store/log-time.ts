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

/**
 * The whole second tsToNs parsed last and its nanoseconds (null where Date.parse refuses the date,
 * as a month 13; it takes 30 February as 2 March): a write's thousands of lines fall in a few
 * seconds, and Date.parse was a twentieth of the telemetry writer's time a line (BENCHMARKS.md
 * figure 3).
 */
let lastSecond: { text: string; ns: bigint | null } = { text: "", ns: null };

/** The range of a signed 64-bit integer, where stored nanosecond times live: 1677-09-21 to 2262-04-11. */
const NS_MIN = -(2n ** 63n);
const NS_MAX = 2n ** 63n - 1n;

/**
 * A timestamp (see normalizeTs) as integer nanoseconds since the epoch, clamped to a signed 64-bit
 * integer's range: a time before 1677 or after 2262, or a date that does not exist (month 13),
 * which an agent may send but Docker never writes, becomes the nearest end (the lowest for an
 * impossible date) instead of an error that would fail its whole batch every time it is resent.
 */
export function tsToNs(ts: string): bigint {
  const normalized = normalizeTs(ts);
  const second = normalized.slice(0, 19);
  if (second !== lastSecond.text) {
    const ms = Date.parse(`${second}Z`);
    lastSecond = { text: second, ns: Number.isNaN(ms) ? null : BigInt(ms) * NS_PER_MS };
  }
  if (lastSecond.ns === null) return NS_MIN;
  const ns = lastSecond.ns + BigInt(normalized.slice(20, 29));
  return ns < NS_MIN ? NS_MIN : ns > NS_MAX ? NS_MAX : ns;
}

/** Integer nanoseconds since the epoch as a normalized timestamp (the inverse of tsToNs). */
export function nsToTs(ns: bigint): string {
  const ms = ns / NS_PER_MS - (ns % NS_PER_MS < 0n ? 1n : 0n);
  const subMs = ns - ms * NS_PER_MS;
  return `${new Date(Number(ms)).toISOString().slice(0, 23)}${String(subMs).padStart(6, "0")}Z`;
}
