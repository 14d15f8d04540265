import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_LOGIN_THROTTLE,
  LoginThrottle,
  type ThrottleVerdict,
} from "../../src/auth/login-throttle.ts";
import { openStore } from "../../src/store/open-store.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { Store } from "../../src/store/store.ts";
import { createTestDatabase } from "./postgres-database.ts";

const CONFIG = DEFAULT_LOGIN_THROTTLE;

/** Two stores on one database, as two servers share it; `close` closes both and removes the database. */
interface SharedDatabase {
  stores: [Store, Store];
  close(): Promise<void>;
}

/** Each backend that servers can share: SQLite on one file, PostgreSQL on one database. */
const SHARED: readonly { name: string; open(): Promise<SharedDatabase> }[] = [
  {
    name: "sqlite-file",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "crowsnest-shared-"));
      const path = join(dir, "crowsnest.db");
      const open = () => openStore({ database: { backend: "sqlite", path } });
      const first = await open();
      const second = await open();
      return {
        stores: [first, second],
        async close() {
          await Promise.all([first.close(), second.close()]);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "postgres",
    async open() {
      const database = await createTestDatabase();
      const first = await openPostgresStore(database.url, 4);
      const second = await openPostgresStore(database.url, 4);
      return {
        stores: [first, second],
        async close() {
          await Promise.all([first.close(), second.close()]);
          await database.drop();
        },
      };
    },
  },
];

function clock(start = 1_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A password check that takes a moment and finds the password wrong; returns whether it ran. */
async function wrongPassword(verdict: ThrottleVerdict): Promise<boolean> {
  if (!verdict.allowed) return false;
  await sleep(5);
  await verdict.attempt.failed();
  return true;
}

describe.each(SHARED)("login throttle on servers sharing one $name database", ({ open }) => {
  let shared: SharedDatabase;
  let c: ReturnType<typeof clock>;
  /** One throttle per server, on one clock (so that a one-second refusal cannot lapse mid-test). */
  let servers: [LoginThrottle, LoginThrottle];
  beforeEach(async () => {
    shared = await open();
    c = clock();
    servers = [
      new LoginThrottle(shared.stores[0].loginFailures, CONFIG, c.now),
      new LoginThrottle(shared.stores[1].loginFailures, CONFIG, c.now),
    ];
  });
  afterEach(async () => {
    await shared.close();
  });
  /** The servers taken in turn. */
  const server = (i: number) => (i % 2 === 0 ? servers[0] : servers[1]);

  it("lets two servers check no more guesses sent at once than one would, and reports the lock once", async () => {
    const verdicts = await Promise.all(
      Array.from({ length: 15 }, () => servers.map((s) => s.begin("admin", "198.51.100.66"))).flat(),
    );
    const checked = (await Promise.all(verdicts.map(wrongPassword))).filter(Boolean).length;
    expect(checked).toBe(CONFIG.maxFailuresPerPair);
    const reported = verdicts.filter((v) => !v.allowed && v.firstRefusal);
    expect(reported).toHaveLength(1);
    // Locked on both, for the whole lock, and not reported again.
    for (const server of servers) {
      const again = await server.begin("admin", "198.51.100.66");
      expect(again).toMatchObject({ allowed: false, reason: "locked", firstRefusal: false });
    }
    // The lock is on the pair: the admin elsewhere gets in on either server.
    expect((await servers[1].begin("admin", "203.0.113.5")).allowed).toBe(true);
  });

  it("does not extend a lock for a flood against it, and reports a new lock after it ends", async () => {
    for (let i = 0; i < CONFIG.maxFailuresPerPair; i++) {
      expect(await wrongPassword(await server(i).begin("bob", "192.0.2.9"))).toBe(true);
    }
    c.advance(CONFIG.lockMs - 1_000);
    const flood = await Promise.all(
      Array.from({ length: 20 }, (_, i) => server(i).begin("bob", "192.0.2.9")),
    );
    expect(flood.every((v) => !v.allowed && v.retryAfterMs === 1_000)).toBe(true);
    expect(flood.filter((v) => !v.allowed && v.firstRefusal)).toHaveLength(1);
    c.advance(1_000);
    expect((await servers[0].begin("bob", "192.0.2.9")).allowed).toBe(true);
  });

  it("lets another server use a reservation taken back, and one left by a stopped server lapses", async () => {
    // Nine attempts in flight on the first server: the second has one left.
    const inFlight = await Promise.all(Array.from({ length: 9 }, () => servers[0].begin("carol", "x")));
    expect(inFlight.every((v) => v.allowed)).toBe(true);
    const last = await servers[1].begin("carol", "x");
    expect(last.allowed).toBe(true);
    expect((await servers[1].begin("carol", "x")).allowed).toBe(false);
    // The last one's check could not run: its place is free again.
    if (last.allowed) await last.attempt.abandoned();
    expect((await servers[1].begin("carol", "x")).allowed).toBe(true);
    // The first server stopped mid-check; a minute later its reservations no longer count.
    c.advance(60_000);
    const after = await Promise.all(Array.from({ length: 9 }, () => servers[1].begin("carol", "x")));
    expect(after.every((v) => v.allowed)).toBe(true);
  });

  it("keeps other attempts' reservations when one of them signs in", async () => {
    const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => server(i).begin("dave", "y")));
    expect(attempts.every((v) => v.allowed)).toBe(true);
    const [right, ...wrong] = attempts;
    if (right?.allowed) await right.attempt.succeeded();
    // Nine still being checked, on either server: one more may start, not two.
    expect((await servers[0].begin("dave", "y")).allowed).toBe(true);
    expect((await servers[1].begin("dave", "y")).allowed).toBe(false);
    for (const v of wrong) await wrongPassword(v);
  });
});
