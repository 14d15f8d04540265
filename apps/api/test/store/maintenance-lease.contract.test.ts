import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.ts";
import { BACKENDS } from "./backends.ts";

/** MaintenanceLease on every backend: a store alone leads each task, and keeps leading it. */
describe.each(BACKENDS)("Store contract, maintenance lease ($name)", ({ open }) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it("lets a store alone lead every task, again and again", async () => {
    expect(await store.maintenance.tryLead("retention")).toBe(true);
    expect(await store.maintenance.tryLead("session-sweep")).toBe(true);
    expect(await store.maintenance.tryLead("retention")).toBe(true);
  });
});
