import { describe, expect, it } from "vitest";
import { Backoff } from "../src/backoff.ts";

describe("Backoff (reconnects to the server and to Docker)", () => {
  it("doubles its ceiling per attempt up to the cap, and reset starts over", () => {
    // random() just below 1 shows each attempt's ceiling; the real one spreads agents below it.
    const backoff = new Backoff(500, 30_000, () => 0.999_999);
    const waits = Array.from({ length: 9 }, () => backoff.next());
    expect(waits).toEqual([499, 999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999, 29_999]);
    backoff.reset();
    expect(backoff.next()).toBe(499);
  });

  it("draws every wait uniformly below the ceiling (full jitter), never negative", () => {
    const draws = [0, 0.25, 0.5];
    const backoff = new Backoff(1_000, 4_000, () => draws.shift() ?? 0);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 500, 2_000]);
  });

  it("keeps the ceiling at the cap after very many failures", () => {
    const backoff = new Backoff(500, 30_000, () => 0.5);
    for (let i = 0; i < 1_000; i++) backoff.next();
    expect(backoff.next()).toBe(15_000);
  });
});
