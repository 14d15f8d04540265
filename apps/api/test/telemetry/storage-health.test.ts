import { describe, expect, it } from "vitest";
import { StorageHealth } from "../../src/ingest/storage-health.ts";
import { StorageProbe } from "../../src/ingest/storage-probe.ts";

/** A store's ping as the probe sees it, answering as the test says; counts the pings asked. */
function database(answer: () => Promise<void>) {
  const db = {
    pings: 0,
    ping: () => {
      db.pings++;
      return answer();
    },
  };
  return db;
}

describe("StorageHealth and StorageProbe", () => {
  it("reports a database that does not answer, and clears it when it answers again", async () => {
    let up = false;
    const db = database(() => (up ? Promise.resolve() : Promise.reject(new Error("connect ECONNREFUSED"))));
    const health = new StorageHealth();
    const probe = new StorageProbe(db, health, 0);
    await probe.check();
    expect(health.ok).toBe(false);
    expect(health.report()).toMatchObject({ ok: false, error: "database unreachable: connect ECONNREFUSED" });
    up = true;
    await probe.check();
    expect(health.report()).toEqual({ ok: true });
  });

  it("counts a ping that never answers as unreachable after the timeout", async () => {
    const health = new StorageHealth();
    await new StorageProbe(
      database(() => new Promise(() => {})),
      health,
      0,
      50,
    ).check();
    expect(health.report()).toMatchObject({
      ok: false,
      error: "database unreachable: no answer within 50 ms",
    });
  });

  it("asks the database at most once per interval, and once at a time", async () => {
    const db = database(() => new Promise((r) => setTimeout(r, 20)));
    const probe = new StorageProbe(db, new StorageHealth(), 60_000);
    await Promise.all([probe.check(), probe.check(), probe.check()]);
    await probe.check();
    expect(db.pings).toBe(1);
  });

  it("keeps a fresh write failure while the database answers pings (a full disk), until a write succeeds", () => {
    const health = new StorageHealth();
    health.failed(new Error("database or disk is full"), Date.now());
    health.reachable();
    expect(health.report()).toMatchObject({ ok: false, error: "database or disk is full" });
    health.succeeded();
    expect(health.ok).toBe(true);
  });
});
