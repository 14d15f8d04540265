import { describe, expect, it } from "vitest";
import { nsToTs, tsToNs } from "../../src/store/log-time.ts";

const NS_MIN = -(2n ** 63n);

describe("tsToNs", () => {
  it("gives each line its own nanoseconds when lines share a second, and after the second changes", () => {
    const times = [
      "2026-12-03T15:00:00.000000001Z",
      "2026-12-03T15:00:00.999999999Z",
      "2026-12-03T15:00:01Z",
      "2026-12-03T15:00:00.5Z",
      "1970-01-01T00:00:00.000000007Z",
    ];
    expect(times.map((t) => tsToNs(t))).toEqual([
      1_796_310_000_000_000_001n,
      1_796_310_000_999_999_999n,
      1_796_310_001_000_000_000n,
      1_796_310_000_500_000_000n,
      7n,
    ]);
    for (const t of times.slice(0, 3)) expect(tsToNs(nsToTs(tsToNs(t)))).toBe(tsToNs(t));
  });

  it("puts a date that does not exist at the lowest time, again when it comes twice, and not what follows", () => {
    expect(tsToNs("2026-13-01T00:00:00.1Z")).toBe(NS_MIN);
    expect(tsToNs("2026-13-01T00:00:00.2Z")).toBe(NS_MIN);
    expect(tsToNs("2026-12-01T00:00:00.2Z")).toBe(1_796_083_200_200_000_000n);
    expect(tsToNs("2026-13-01T00:00:00.3Z")).toBe(NS_MIN);
  });
});
