import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LoginFailureKey } from "../../src/store/login-failure-repository.ts";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { Store } from "../../src/store/store.ts";
import { createTestDatabase, type TestDatabase } from "./postgres-database.ts";

const ACCOUNT: LoginFailureKey = { scope: "account", account: "alice", address: "" };
const ADDRESS: LoginFailureKey = { scope: "address", account: "", address: "203.0.113.9" };

/**
 * The sweep of stale sign-in counters beside a sign-in that holds some of them, interleaved on a
 * real PostgreSQL: the sign-in's transaction locks its counters one after another (as
 * `recordFailure` does); the sweep must not hold one of them while it waits for another.
 */
describe("PostgreSQL sweep of sign-in counters", () => {
  let database: TestDatabase;
  let store: Store;
  let signIn: pg.Client;
  beforeEach(async () => {
    database = await createTestDatabase();
    store = await openPostgresStore(database.url, 2);
    signIn = new pg.Client({ connectionString: database.url });
    await signIn.connect();
  });
  afterEach(async () => {
    await signIn.end();
    await store.close();
    await database.drop();
  });

  it("skips the counters a sign-in holds, so the two never deadlock", async () => {
    // Both counters stale; ACCOUNT's row first, so a sweep's scan locks it before ADDRESS's.
    await store.loginFailures.recordFailure([ACCOUNT], 1_000, 0);
    await store.loginFailures.recordFailure([ADDRESS], 1_000, 0);

    // A sign-in's transaction has locked ADDRESS's counter and is about to lock ACCOUNT's.
    await signIn.query("BEGIN");
    await signIn.query(
      "UPDATE login_failures SET failures = failures + 1 WHERE scope = $1 AND account = $2 AND address = $3",
      [ADDRESS.scope, ADDRESS.account, ADDRESS.address],
    );

    const sweep = store.loginFailures.deleteBefore(10_000);
    const watch = new AbortController();
    const waiting = waitingOnALock(database.url, watch.signal);
    const swept = await Promise.race([sweep, waiting.then(() => "waiting" as const)]);
    watch.abort();
    await waiting;
    // A sweep that waits for ADDRESS's row holds ACCOUNT's: the sign-in's next statement would deadlock.
    expect(swept).toBe(1);

    await signIn.query(
      `INSERT INTO login_failures (scope, account, address, failures, last_failure_at) VALUES ($1, $2, $3, 1, 20000)
       ON CONFLICT (scope, account, address) DO UPDATE SET failures = login_failures.failures + 1`,
      [ACCOUNT.scope, ACCOUNT.account, ACCOUNT.address],
    );
    await signIn.query("COMMIT");

    const { rows } = await signIn.query<{ scope: string; failures: number }>(
      "SELECT scope, failures FROM login_failures ORDER BY scope",
    );
    // ACCOUNT's stale counter was swept and started again at 1; ADDRESS's, in use, was kept.
    expect(rows).toEqual([
      { scope: "account", failures: 1 },
      { scope: "address", failures: 2 },
    ]);
    // The next sweep takes ADDRESS's counter once nobody holds it.
    expect(await store.loginFailures.deleteBefore(10_000)).toBe(1);
  });
});

/**
 * Resolves once a session of the database at `url` waits for a lock, or once `signal` aborts
 * (polled every 10 ms, each time outside a transaction: within one, pg_stat_activity would show the
 * same snapshot every time). Its connection is closed when it resolves.
 */
async function waitingOnALock(url: string, signal: AbortSignal): Promise<void> {
  const watcher = new pg.Client({ connectionString: url });
  await watcher.connect();
  try {
    while (!signal.aborted) {
      const { rowCount } = await watcher.query(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if ((rowCount ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await watcher.end();
  }
}
