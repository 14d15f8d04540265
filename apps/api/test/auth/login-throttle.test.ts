import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_LOGIN_THROTTLE,
  LoginThrottle,
  type ThrottleVerdict,
} from "../../src/auth/login-throttle.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";

function clock(start = 1_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const CONFIG = DEFAULT_LOGIN_THROTTLE;

/** Begins an attempt and settles it as a wrong password; returns whether it was let through. */
async function failOnce(throttle: LoginThrottle, user: string, address: string): Promise<ThrottleVerdict> {
  const verdict = await throttle.begin(user, address);
  if (verdict.allowed) await verdict.attempt.failed();
  return verdict;
}

describe("login throttle (counters in a real SQLite store)", () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore({ database: { backend: "sqlite", path: ":memory:" } });
  });
  afterEach(async () => {
    await store.close();
  });

  it("lets through no more attempts than the limit when they are all sent at once", async () => {
    const throttle = new LoginThrottle(store.loginFailures, CONFIG, clock().now);
    const verdicts = await Promise.all(
      Array.from({ length: 200 }, () => throttle.begin("alice", "192.0.2.1")),
    );
    const allowed = verdicts.filter((v) => v.allowed);
    expect(allowed).toHaveLength(CONFIG.maxFailuresPerPair);
    for (const v of allowed) if (v.allowed) await v.attempt.failed();
    expect((await throttle.begin("alice", "192.0.2.1")).allowed).toBe(false);
  });

  it("locks one account from one address after ten failures, not the account from elsewhere", async () => {
    const c = clock();
    const throttle = new LoginThrottle(store.loginFailures, CONFIG, c.now);
    for (let i = 0; i < CONFIG.maxFailuresPerPair; i++) {
      expect((await failOnce(throttle, "admin", "198.51.100.7")).allowed).toBe(true);
    }
    const locked = await throttle.begin("ADMIN", "198.51.100.7");
    expect(locked).toEqual({
      allowed: false,
      retryAfterMs: CONFIG.lockMs,
      reason: "locked",
      firstRefusal: true,
    });
    // A flood against the lock is reported once.
    const again = await Promise.all(
      Array.from({ length: 100 }, () => throttle.begin("admin", "198.51.100.7")),
    );
    expect(again.filter((v) => !v.allowed && v.firstRefusal)).toEqual([]);
    // The real admin, from their own address, still gets in.
    const elsewhere = await throttle.begin("admin", "203.0.113.5");
    expect(elsewhere.allowed).toBe(true);
    if (elsewhere.allowed) await elsewhere.attempt.succeeded();
    // Their success leaves the attacker's pair locked.
    expect((await throttle.begin("admin", "198.51.100.7")).allowed).toBe(false);
    c.advance(CONFIG.lockMs);
    expect((await throttle.begin("admin", "198.51.100.7")).allowed).toBe(true);
  });

  it("slows failures spread over many addresses with a capped backoff instead of a lock", async () => {
    const c = clock();
    const throttle = new LoginThrottle(store.loginFailures, CONFIG, c.now);
    for (let i = 0; i < CONFIG.accountBackoffAfter; i++) {
      expect((await failOnce(throttle, "admin", `10.0.0.${i}`)).allowed).toBe(true);
    }
    const slowed = await throttle.begin("admin", "10.0.1.1");
    expect(slowed).toEqual({
      allowed: false,
      retryAfterMs: CONFIG.accountBackoffBaseMs,
      reason: "backoff",
      firstRefusal: true,
    });
    // An attacker keeping it up only ever makes a legitimate user wait the capped backoff.
    for (let i = 0; i < 30; i++) {
      c.advance(CONFIG.accountBackoffMaxMs);
      expect((await failOnce(throttle, "admin", `10.0.2.${i}`)).allowed).toBe(true);
    }
    c.advance(CONFIG.accountBackoffMaxMs);
    const legit = await throttle.begin("admin", "203.0.113.5");
    expect(legit.allowed).toBe(true);
    if (legit.allowed) await legit.attempt.succeeded();
    expect((await throttle.begin("admin", "10.0.3.1")).allowed).toBe(true);
  });

  it("never backs off the owner from an address they signed in from, however a stranger keeps it up", async () => {
    const c = clock();
    const throttle = new LoginThrottle(store.loginFailures, CONFIG, c.now);
    const home = await throttle.begin("admin", "203.0.113.5");
    if (home.allowed) await home.attempt.succeeded();
    // A stranger with a fresh address every few guesses keeps the account past its backoff.
    for (let i = 0; i < 60; i++) {
      const v = await failOnce(throttle, "Admin", `10.9.${Math.floor(i / 7)}.${i % 7}`);
      if (!v.allowed) c.advance(v.retryAfterMs);
    }
    expect((await throttle.begin("admin", "10.200.0.1")).allowed).toBe(false);
    const owner = await throttle.begin("admin", "203.0.113.5");
    expect(owner.allowed).toBe(true);
    if (owner.allowed) await owner.attempt.succeeded();
    // Known for 30 days from the last sign-in, then no longer.
    c.advance(CONFIG.knownAddressMs + 1);
    await throttle.sweep();
    for (let i = 0; i < CONFIG.accountBackoffAfter; i++) await failOnce(throttle, "admin", `10.8.0.${i}`);
    expect((await throttle.begin("admin", "203.0.113.5")).allowed).toBe(false);
  });

  it("locks an address that sprays failures over many usernames", async () => {
    const throttle = new LoginThrottle(store.loginFailures, CONFIG, clock().now);
    for (let i = 0; i < CONFIG.maxFailuresPerAddress; i++) await failOnce(throttle, `user${i}`, "192.0.2.1");
    expect((await throttle.begin("someone-new", "192.0.2.1")).allowed).toBe(false);
    expect((await throttle.begin("someone-new", "192.0.2.2")).allowed).toBe(true);
  });

  it("clears the account's run of failures on a success", async () => {
    const throttle = new LoginThrottle(store.loginFailures, CONFIG, clock().now);
    for (let i = 0; i < 9; i++) await failOnce(throttle, "alice", "a");
    const ok = await throttle.begin("alice", "a");
    if (ok.allowed) await ok.attempt.succeeded();
    for (let i = 0; i < 9; i++) expect((await failOnce(throttle, "alice", "a")).allowed).toBe(true);
  });

  it("keeps counters across a restart, and `unlock` clears them from another instance", async () => {
    const c = clock();
    const before = new LoginThrottle(store.loginFailures, CONFIG, c.now);
    for (let i = 0; i < CONFIG.maxFailuresPerPair; i++) await failOnce(before, "bob", "192.0.2.9");
    const restarted = new LoginThrottle(store.loginFailures, CONFIG, c.now);
    expect((await restarted.begin("bob", "192.0.2.9")).allowed).toBe(false);
    // The CLI runs in its own process with its own throttle over the same store.
    expect(await new LoginThrottle(store.loginFailures, CONFIG, c.now).unlock("Bob")).toBe(2);
    expect((await restarted.begin("bob", "192.0.2.9")).allowed).toBe(true);
  });

  it("releases an abandoned reservation without counting it", async () => {
    const throttle = new LoginThrottle(store.loginFailures, CONFIG, clock().now);
    for (let i = 0; i < 50; i++) {
      const v = await throttle.begin("carol", "x");
      expect(v.allowed).toBe(true);
      if (v.allowed) await v.attempt.abandoned();
    }
  });
});
