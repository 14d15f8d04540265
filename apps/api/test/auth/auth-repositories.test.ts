import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

// The auth half's repositories against the SQLite backend, through the Store contract.
let store: SqliteStore;
beforeEach(() => {
  store = openSqliteStore(":memory:");
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

describe("enrolment tokens", () => {
  it("are redeemed once, and never after they expire or are revoked", async () => {
    const host = await store.hosts.create("h", 0);
    const token = (tokenHash: string, expiresAt: number) => ({
      tokenHash,
      hostId: host.id,
      createdAt: 0,
      expiresAt,
      createdBy: null,
    });
    await store.enrolmentTokens.create(token("t1", 1_000));
    await store.enrolmentTokens.create(token("t2", 100));
    await store.enrolmentTokens.create(token("t3", 1_000));
    expect(await store.enrolmentTokens.redeem("t1", 500)).toBe(host.id);
    expect(await store.enrolmentTokens.redeem("t1", 501)).toBeNull();
    expect(await store.enrolmentTokens.redeem("t2", 500)).toBeNull();
    await store.enrolmentTokens.revokeForHost(host.id, 600);
    expect(await store.enrolmentTokens.redeem("t3", 700)).toBeNull();
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

  it("cannot be changed or deleted, even with SQL", async () => {
    await store.audit.append(entry(1));
    expect(() => store.db.exec("UPDATE audit_log SET result = 'succeeded'")).toThrow(/append-only/);
    expect(() => store.db.exec("DELETE FROM audit_log")).toThrow(/append-only/);
    expect((await store.audit.query({}, { before: null, limit: 10 })).entries).toHaveLength(1);
  });
});
