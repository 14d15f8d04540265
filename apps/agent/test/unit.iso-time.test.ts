import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoTime } from "../src/iso-time.ts";

describe("isoTime", () => {
  it("writes what Date's toISOString writes, for any time of the years 0 to 9999", () => {
    const first = Date.parse("0000-01-01T00:00:00.000Z");
    const last = Date.parse("9999-12-31T23:59:59.999Z");
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2_000 },
    );
    expect(isoTime(first)).toBe("0000-01-01T00:00:00.000Z");
    expect(isoTime(last)).toBe("9999-12-31T23:59:59.999Z");
    expect(isoTime(Date.parse("2026-12-01T16:57:56.604Z"))).toBe("2026-12-01T16:57:56.604Z");
  });
});
