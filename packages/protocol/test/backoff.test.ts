import { describe, expect, it } from "vitest";
import { Backoff, backoffDelay } from "../src/index.ts";

describe("Backoff (the agent's reconnects to the server and to Docker)", () => {
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

describe("backoffDelay (the dashboard's live socket)", () => {
  const opts = { baseMs: 500, capMs: 30_000, minMs: 250 };

  it("grows exponentially up to the cap", () => {
    const top = (attempt: number) => backoffDelay(attempt, opts, () => 1);
    expect([0, 1, 2, 3].map(top)).toEqual([500, 1000, 2000, 4000]);
    expect(top(10)).toBe(30_000);
    expect(top(1_000)).toBe(30_000);
  });

  it("is jittered between the minimum and the current ceiling", () => {
    expect(backoffDelay(5, opts, () => 0)).toBe(250);
    expect(backoffDelay(5, opts, () => 0.5)).toBe(250 + Math.floor(0.5 * (16_000 - 250)));
    const samples = new Set(Array.from({ length: 50 }, () => backoffDelay(6, opts)));
    expect(samples.size).toBeGreaterThan(1);
  });
});
