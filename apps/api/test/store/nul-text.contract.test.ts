import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LoginFailureKey } from "../../src/store/login-failure-repository.ts";
import type { Store } from "../../src/store/store.ts";
import { BACKENDS } from "./backends.ts";

/**
 * Text from outside may carry U+0000 (the sign-in form takes any username up to 64 characters):
 * every backend answers it like any other text instead of failing (PostgreSQL's `text` cannot hold
 * it and keeps U+FFFD in its place).
 */
describe.each(BACKENDS)("Store contract, text with U+0000 ($name)", ({ open }) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it("finds no such user, counts the failed sign-in and audits it", async () => {
    const username = "ad\0min";
    expect(await store.users.findByUsername(username)).toBeNull();
    const keys: LoginFailureKey[] = [
      { scope: "account", account: username, address: "" },
      { scope: "pair", account: username, address: "10.0.0.\0" },
    ];
    await store.loginFailures.recordFailure(keys, 1_000, 0);
    await store.loginFailures.recordFailure(keys, 2_000, 0);
    expect((await store.loginFailures.find(keys, 0)).map((c) => c.failures)).toEqual([2, 2]);
    await store.loginFailures.rememberAddress(username, "10.0.0.\0", 3_000);
    expect(await store.loginFailures.isKnownAddress(username, "10.0.0.\0", 0)).toBe(true);
    expect(await store.loginFailures.clearAccount(username)).toBe(2);

    await store.audit.append({
      time: 1_000,
      userId: null,
      username,
      role: null,
      hostId: null,
      containerId: null,
      containerName: null,
      targetId: null,
      target: null,
      action: "session.login_failed",
      protected: false,
      result: "failed",
      reason: "unknown user \0",
      detail: null,
      clientAddress: "127.0.0.1",
    });
    const { entries } = await store.audit.query({ user: username }, { before: null, limit: 10 });
    expect(entries).toHaveLength(1);
  });
});
