import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.ts";
import { BACKENDS } from "./backends.ts";

/** The auth half's repositories (users, sessions, login failures, audit), on every backend. */
describe.each(BACKENDS)("Store contract, auth ($name)", ({ open }) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  const user = (username: string, role: "ADMIN" | "OPERATOR" | "VIEWER") => ({
    username,
    role,
    passwordHash: "scrypt$1$10$8$1$x$y",
    createdAt: 1,
  });

  describe("users", () => {
    it("refuses a username taken in another case", async () => {
      expect(await store.users.create(user("Alice", "VIEWER"))).not.toBeNull();
      expect(await store.users.create(user("alice", "ADMIN"))).toBeNull();
      expect((await store.users.findByUsername("ALICE"))?.username).toBe("Alice");
    });

    it("never leaves the server without an enabled ADMIN", async () => {
      const a = await store.users.create(user("a", "ADMIN"));
      const b = await store.users.create(user("b", "ADMIN"));
      if (!a || !b) throw new Error("setup");
      expect((await store.users.update(a.id, { role: "VIEWER" })).kind).toBe("done");
      expect((await store.users.update(b.id, { role: "OPERATOR" })).kind).toBe("last_admin");
      expect((await store.users.update(b.id, { disabled: true })).kind).toBe("last_admin");
      expect((await store.users.delete(b.id)).kind).toBe("last_admin");
      // A change that keeps b an enabled ADMIN is fine.
      expect((await store.users.update(b.id, { passwordHash: "scrypt$1$10$8$1$n$n" })).kind).toBe("done");
      expect((await store.users.get(b.id))?.role).toBe("ADMIN");
      expect((await store.users.update("nope", { role: "ADMIN" })).kind).toBe("not_found");
    });
  });

  describe("sessions", () => {
    it("are found with their user and go when the user is deleted", async () => {
      const u = await store.users.create(user("s", "VIEWER"));
      if (!u) throw new Error("setup");
      await store.sessions.create({
        idHash: "h1",
        userId: u.id,
        createdAt: 10,
        lastSeenAt: 10,
        expiresAt: 100,
        clientAddress: "127.0.0.1",
      });
      expect((await store.sessions.find("h1"))?.user.username).toBe("s");
      await store.users.delete(u.id);
      expect(await store.sessions.find("h1")).toBeNull();
    });

    it("are touched, and deleted one at a time or all of a user's at once", async () => {
      const [u, v] = [
        await store.users.create(user("u", "VIEWER")),
        await store.users.create(user("v", "ADMIN")),
      ];
      if (!u || !v) throw new Error("setup");
      const session = (idHash: string, userId: string) => ({
        idHash,
        userId,
        createdAt: 0,
        lastSeenAt: 0,
        expiresAt: 1_000,
        clientAddress: "::1",
      });
      for (const s of [session("u1", u.id), session("u2", u.id), session("v1", v.id)])
        await store.sessions.create(s);
      await store.sessions.touch("u1", 42);
      expect((await store.sessions.find("u1"))?.session).toEqual({ ...session("u1", u.id), lastSeenAt: 42 });
      await store.sessions.delete("u1");
      expect(await store.sessions.find("u1")).toBeNull();
      await store.sessions.deleteForUser(u.id);
      expect(await store.sessions.find("u2")).toBeNull();
      expect((await store.sessions.find("v1"))?.user).toEqual(v);
      expect(await store.users.count()).toBe(2);
      expect((await store.users.list()).map((x) => x.username)).toEqual(["u", "v"]);
      expect(await store.users.get(v.id)).toEqual(v);
    });

    it("sweeps absolute and idle expiry", async () => {
      const u = await store.users.create(user("s", "VIEWER"));
      if (!u) throw new Error("setup");
      const base = { userId: u.id, createdAt: 0, clientAddress: "::1" };
      await store.sessions.create({ ...base, idHash: "old", lastSeenAt: 50, expiresAt: 100 });
      await store.sessions.create({ ...base, idHash: "idle", lastSeenAt: 10, expiresAt: 1_000 });
      await store.sessions.create({ ...base, idHash: "fresh", lastSeenAt: 90, expiresAt: 1_000 });
      expect(await store.sessions.deleteExpired(100, 20)).toBe(2);
      expect(await store.sessions.find("fresh")).not.toBeNull();
    });
  });

  describe("login failures", () => {
    const account = (name: string) => ({ scope: "account" as const, account: name, address: "" });
    const pair = (name: string, address: string) => ({ scope: "pair" as const, account: name, address });
    const address = (addr: string) => ({ scope: "address" as const, account: "", address: addr });

    it("count per key within the window, restart after it, and are cleared by key or by account", async () => {
      const keys = [account("ann"), pair("ann", "10.0.0.1"), address("10.0.0.1")];
      await store.loginFailures.recordFailure(keys, 100, 0);
      await store.loginFailures.recordFailure(keys.slice(0, 2), 200, 0);
      expect(await store.loginFailures.find(keys, 0)).toEqual([
        { ...keys[0], failures: 2, lastFailureAt: 200 },
        { ...keys[1], failures: 2, lastFailureAt: 200 },
        { ...keys[2], failures: 1, lastFailureAt: 100 },
      ]);
      // Older than the window: counts zero, and the next failure starts again at one.
      expect(await store.loginFailures.find(keys, 150)).toHaveLength(2);
      await store.loginFailures.recordFailure([address("10.0.0.1")], 300, 250);
      expect(await store.loginFailures.find([address("10.0.0.1")], 0)).toEqual([
        { ...address("10.0.0.1"), failures: 1, lastFailureAt: 300 },
      ]);
      await store.loginFailures.clear([pair("ann", "10.0.0.1")]);
      expect((await store.loginFailures.find(keys, 0)).map((c) => c.scope)).toEqual(["account", "address"]);
      await store.loginFailures.recordFailure([pair("ann", "10.0.0.2"), account("bob")], 400, 0);
      // The account's own counters and its pairs go; other accounts' and addresses' stay.
      expect(await store.loginFailures.clearAccount("ann")).toBe(2);
      expect(
        (await store.loginFailures.find([...keys, pair("ann", "10.0.0.2"), account("bob")], 0)).map(
          (c) => c.scope + c.account,
        ),
      ).toEqual(["address", "accountbob"]);
      expect(await store.loginFailures.deleteBefore(350)).toBe(1);
      expect(await store.loginFailures.find([address("10.0.0.1")], 0)).toEqual([]);
    });

    it("remember the addresses an account signed in from, until forgotten", async () => {
      await store.loginFailures.rememberAddress("ann", "10.0.0.1", 100);
      await store.loginFailures.rememberAddress("ann", "10.0.0.1", 500);
      await store.loginFailures.rememberAddress("ann", "10.0.0.2", 100);
      expect(await store.loginFailures.isKnownAddress("ann", "10.0.0.1", 400)).toBe(true);
      expect(await store.loginFailures.isKnownAddress("ann", "10.0.0.2", 400)).toBe(false);
      expect(await store.loginFailures.isKnownAddress("bob", "10.0.0.1", 0)).toBe(false);
      expect(await store.loginFailures.forgetAddressesBefore(200)).toBe(1);
      expect(await store.loginFailures.isKnownAddress("ann", "10.0.0.2", 0)).toBe(false);
    });
  });

  describe("audit log", () => {
    const entry = (n: number) => ({
      time: 1_000 + n,
      userId: n % 2 ? "u1" : "u2",
      username: n % 2 ? "one" : "two",
      role: "OPERATOR" as const,
      hostId: "host",
      containerId: "c".repeat(64),
      containerName: "web",
      targetId: null,
      target: null,
      action: n % 3 ? ("stop" as const) : ("start" as const),
      protected: n % 2 === 1,
      result: n % 2 ? ("denied" as const) : ("succeeded" as const),
      reason: n % 2 ? "protected" : null,
      detail: null,
      clientAddress: "127.0.0.1",
    });

    it("pages newest first with a cursor and filters", async () => {
      for (let n = 0; n < 25; n++) await store.audit.append(entry(n));
      const first = await store.audit.query({}, { before: null, limit: 10 });
      expect(first.entries.map((e) => e.time)).toEqual([
        1024, 1023, 1022, 1021, 1020, 1019, 1018, 1017, 1016, 1015,
      ]);
      const second = await store.audit.query({}, { before: first.nextCursor, limit: 10 });
      const third = await store.audit.query({}, { before: second.nextCursor, limit: 10 });
      expect(third.entries).toHaveLength(5);
      expect(third.nextCursor).toBeNull();
      const page = { before: null, limit: 100 };
      const denied = await store.audit.query({ user: "u1", result: "denied", from: 1_010, to: 1_020 }, page);
      expect(denied.entries.map((e) => e.time)).toEqual([1019, 1017, 1015, 1013, 1011]);
      // A user filter matches the username as well as the id; a container filter its name as well.
      const byName = await store.audit.query({ user: "one", result: "denied", from: 1_010, to: 1_020 }, page);
      expect(byName.entries).toEqual(denied.entries);
      expect((await store.audit.query({ container: "web" }, page)).entries).toHaveLength(25);
      expect(
        (await store.audit.query({ container: "c".repeat(64), action: "start" }, page)).entries,
      ).toHaveLength(9);
      expect(denied.entries[0]).toMatchObject({ protected: true, reason: "protected", username: "one" });
    });
  });
});
