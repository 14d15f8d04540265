/**
 * `new Date(ms).toISOString()` ("2026-12-01T16:57:56.604Z") from the date's UTC fields. V8's own
 * toISOString loads ICU's time zone data the first time it runs, about 0.8 MiB resident in the
 * agent for the rest of its life (BENCHMARKS.md, "Agent footprint"); the UTC getters do not.
 * For the years 0 to 9999, which Date.now() stays within.
 */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `${String(d.getUTCFullYear()).padStart(4, "0")}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}` +
    `T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}` +
    `.${String(d.getUTCMilliseconds()).padStart(3, "0")}Z`
  );
}
