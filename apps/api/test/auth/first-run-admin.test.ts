import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureFirstAdmin } from "../../src/auth/first-run-admin.ts";
import { PasswordHasher } from "../../src/auth/password.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";

let store: Store;
const hasher = new PasswordHasher({ log2N: 10, r: 8, p: 1 });
beforeEach(async () => {
  store = await openStore({ database: { backend: "sqlite", path: ":memory:" } });
});
afterEach(async () => {
  await store.close();
});

describe("the first run", () => {
  it("creates an ADMIN with a generated password, printed once and never again", async () => {
    const said: string[] = [];
    await ensureFirstAdmin(store.users, hasher, null, (m) => said.push(m), 1);
    await ensureFirstAdmin(store.users, hasher, null, (m) => said.push(m), 2);
    expect(said).toHaveLength(1);
    const password = /generated password: (\S+)/.exec(said[0] ?? "")?.[1] ?? "";
    const admin = await store.users.findByUsername("admin");
    expect(admin?.role).toBe("ADMIN");
    expect(await hasher.verify(password, admin?.passwordHash ?? "")).toBe(true);
    expect(await store.users.count()).toBe(1);
  });

  it("uses CROWSNEST_ADMIN_PASSWORD when given, without printing it", async () => {
    const said: string[] = [];
    await ensureFirstAdmin(store.users, hasher, "from-the-environment", (m) => said.push(m), 1);
    expect(said.join("")).not.toContain("from-the-environment");
    const admin = await store.users.findByUsername("admin");
    expect(await hasher.verify("from-the-environment", admin?.passwordHash ?? "")).toBe(true);
  });
});
