import { describe, expect, it } from "vitest";
import { LoginThrottle } from "../../src/auth/login-throttle.ts";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const CONFIG = { maxFailuresPerAccount: 10, maxFailuresPerAddress: 50, lockMs: 15 * 60_000 };

describe("login throttle", () => {
  it("locks an account after ten failures in a row, from any address, until the lock period passes", () => {
    const c = clock();
    const throttle = new LoginThrottle(CONFIG, c.now);
    for (let i = 0; i < 10; i++) {
      expect(throttle.check("alice", `10.0.0.${i}`).allowed).toBe(true);
      throttle.recordFailure("alice", `10.0.0.${i}`);
    }
    expect(throttle.check("alice", "10.0.0.99")).toEqual({ allowed: false, retryAfterMs: CONFIG.lockMs });
    expect(throttle.check("ALICE", "10.0.0.99").allowed).toBe(false);
    expect(throttle.check("bob", "10.0.0.99").allowed).toBe(true);
    c.advance(CONFIG.lockMs);
    expect(throttle.check("alice", "10.0.0.99").allowed).toBe(true);
  });

  it("counts failures in a row: a success clears the account's count", () => {
    const throttle = new LoginThrottle(CONFIG, clock().now);
    for (let i = 0; i < 9; i++) throttle.recordFailure("alice", "a");
    throttle.recordSuccess("alice");
    for (let i = 0; i < 9; i++) throttle.recordFailure("alice", "b");
    expect(throttle.check("alice", "c").allowed).toBe(true);
  });

  it("locks an address that sprays failures over many usernames", () => {
    const throttle = new LoginThrottle(CONFIG, clock().now);
    for (let i = 0; i < 50; i++) throttle.recordFailure(`user${i}`, "192.0.2.1");
    expect(throttle.check("someone-new", "192.0.2.1").allowed).toBe(false);
    expect(throttle.check("someone-new", "192.0.2.2").allowed).toBe(true);
  });
});
