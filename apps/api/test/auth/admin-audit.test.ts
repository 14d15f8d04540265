import { execFile } from "node:child_process";
import { resolve } from "node:path";
import type { AuditEntry } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthTestServer } from "./support/auth-server.ts";

// Account management, host credentials and sign-ins in the audit log, over real HTTP against the
// real server: each event is performed as a user (or the CLI) would, then found with
// GET /api/audit?category=… as an ADMIN, with its actor, target, result and client address.

const CLI = resolve(import.meta.dirname, "../../src/cli/main.ts");
const LOOPBACK = expect.stringMatching(/127\.0\.0\.1/);

let srv: AuthTestServer;
let admin: string;
let aliceId: string;

/** The CLI as an operator runs it: a separate process on the server's data directory. */
function cli(args: string[], stdin = ""): Promise<string> {
  return new Promise((done, fail) => {
    const child = execFile(
      process.execPath,
      [CLI, "--data-dir", srv.config.dataDir, ...args],
      (err, stdout, stderr) => (err ? fail(new Error(`${args.join(" ")}: ${stderr}`)) : done(stdout)),
    );
    child.stdin?.end(stdin);
  });
}

async function audit(query: string): Promise<AuditEntry[]> {
  const res = await srv.http("GET", `/api/audit?limit=500&${query}`, { cookie: admin });
  expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body.entries;
}

function login(username: string, password: string) {
  return srv.http("POST", "/api/auth/login", { body: { username, password } });
}

beforeAll(async () => {
  srv = await AuthTestServer.start();
  aliceId = (await srv.addUser("alice", "ADMIN")).id;
  admin = await srv.login("alice");
});
afterAll(async () => {
  await srv?.close();
});

describe("the audit log records sign-ins", () => {
  it("a sign-in, with the user, role and client address", async () => {
    const [entry] = await audit("category=session&action=session.login");
    expect(entry).toMatchObject({
      category: "session",
      action: "session.login",
      userId: aliceId,
      username: "alice",
      role: "ADMIN",
      hostId: null,
      containerId: null,
      targetId: null,
      result: "succeeded",
      clientAddress: LOOPBACK,
    });
  });

  it("a failed sign-in: a known user's with who, an unknown name as typed with no id or role", async () => {
    expect((await login("alice", "not-her-password")).status).toBe(401);
    expect((await login("Nobody-At-All", "whatever-it-is")).status).toBe(401);
    const [unknown, known] = await audit("category=session&action=session.login_failed");
    expect(known).toMatchObject({
      userId: aliceId,
      username: "alice",
      role: "ADMIN",
      result: "failed",
      reason: "wrong password",
      clientAddress: LOOPBACK,
    });
    expect(unknown).toMatchObject({
      userId: null,
      username: "Nobody-At-All",
      role: null,
      result: "failed",
      reason: "no such user",
      clientAddress: LOOPBACK,
    });
    // The answer itself still does not tell the two apart.
    const [stranger, member] = [(await login("Nobody-At-All", "x")).body, (await login("alice", "x")).body];
    expect({ ...stranger.error, requestId: null }).toEqual({ ...member.error, requestId: null });
  });

  it("a lock-out: the 429 of the throttle, denied, without checking the password", async () => {
    const name = "guessed-name";
    let status = 0;
    for (let i = 0; i < 20 && status !== 429; i++) status = (await login(name, `guess-${i}`)).status;
    expect(status).toBe(429);
    const [lockedOut] = await audit(`category=session&action=session.locked_out&user=${name}`);
    expect(lockedOut).toMatchObject({
      username: name,
      userId: null,
      role: null,
      result: "denied",
      reason: expect.stringMatching(/too many failed logins/),
      detail: expect.stringMatching(/^locked/),
      clientAddress: LOOPBACK,
    });
  });

  it("a sign-out", async () => {
    await srv.addUser("leaver", "VIEWER");
    const cookie = await srv.login("leaver");
    expect((await srv.http("POST", "/api/auth/logout", { cookie })).status).toBe(204);
    const [entry] = await audit("category=session&action=session.logout");
    expect(entry).toMatchObject({ username: "leaver", role: "VIEWER", result: "succeeded" });
    expect(entry?.clientAddress).toMatch(/127\.0\.0\.1/);
  });
});

describe("the audit log records account management", () => {
  it("creating, changing (role, disabled, password) and deleting a user, and a refused change", async () => {
    const created = await srv.http("POST", "/api/users", {
      cookie: admin,
      body: { username: "bob", password: "bob-password-1", role: "VIEWER" },
    });
    expect(created.status).toBe(201);
    const bobId: string = created.body.id;
    for (const body of [{ role: "OPERATOR" }, { disabled: true }, { password: "bob-password-2" }]) {
      expect((await srv.http("PATCH", `/api/users/${bobId}`, { cookie: admin, body })).status).toBe(200);
    }
    const taken = await srv.http("POST", "/api/users", {
      cookie: admin,
      body: { username: "bob", password: "bob-password-3", role: "ADMIN" },
    });
    expect(taken.status).toBe(409);
    expect((await srv.http("DELETE", `/api/users/${bobId}`, { cookie: admin })).status).toBe(204);

    const entries = await audit("category=user");
    expect(entries.map((e) => [e.action, e.result, e.detail])).toEqual([
      ["user.delete", "succeeded", null],
      ["user.create", "failed", "role ADMIN"],
      ["user.update", "succeeded", "password changed"],
      ["user.update", "succeeded", "disabled"],
      ["user.update", "succeeded", "role VIEWER → OPERATOR"],
      ["user.create", "succeeded", "role VIEWER"],
    ]);
    for (const e of entries) {
      expect(e).toMatchObject({
        category: "user",
        userId: aliceId,
        username: "alice",
        role: "ADMIN",
        target: "bob",
        hostId: null,
        containerId: null,
        clientAddress: LOOPBACK,
      });
    }
    expect(entries.filter((e) => e.result === "succeeded").map((e) => e.targetId)).toEqual(
      Array(5).fill(bobId),
    );
    expect(entries[1]).toMatchObject({ targetId: null, reason: 'the username "bob" is taken' });
    // The action filter takes the new actions; the container category holds none of these.
    expect((await audit("action=user.delete")).map((e) => e.targetId)).toEqual([bobId]);
    expect(await audit("category=container")).toEqual([]);
  });

  it("refuses an unknown category or action with 400 naming the field", async () => {
    for (const [query, field] of [
      ["category=people", "query.category"],
      ["action=user.promote", "query.action"],
    ]) {
      const res = await srv.http("GET", `/api/audit?${query}`, { cookie: admin });
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: "bad_request", field });
    }
  });
});

describe("the audit log records host credentials", () => {
  it("enrolling, rotating and revoking a host, and a revocation of no host", async () => {
    const enrolled = await srv.http("POST", "/api/hosts", { cookie: admin, body: { name: "edge-1" } });
    expect(enrolled.status).toBe(201);
    const hostId: string = enrolled.body.host.id;
    expect((await srv.http("POST", `/api/hosts/${hostId}/rotate`, { cookie: admin })).status).toBe(202);
    expect((await srv.http("POST", `/api/hosts/${hostId}/revoke`, { cookie: admin })).status).toBe(204);
    expect((await srv.http("POST", "/api/hosts/no-such-host/revoke", { cookie: admin })).status).toBe(404);

    const [missing, revoked, rotated, enrol] = await audit("category=host");
    for (const e of [revoked, rotated, enrol]) {
      expect(e).toMatchObject({
        category: "host",
        userId: aliceId,
        username: "alice",
        hostId,
        targetId: hostId,
        target: "edge-1",
        containerId: null,
        result: "succeeded",
        clientAddress: LOOPBACK,
      });
    }
    expect([enrol?.action, rotated?.action, revoked?.action]).toEqual([
      "host.enrol",
      "host.rotate",
      "host.revoke",
    ]);
    expect(enrol?.detail).toMatch(/^enrolment token expires \d{4}-/);
    expect(rotated?.detail).toMatch(/offline/);
    expect(missing).toMatchObject({
      action: "host.revoke",
      result: "failed",
      targetId: "no-such-host",
      target: null,
      reason: 'no host with id "no-such-host"',
    });
    // The host filter finds a host's own entries.
    expect((await audit(`host=${hostId}`)).map((e) => e.action)).toEqual([
      "host.revoke",
      "host.rotate",
      "host.enrol",
    ]);
  });
});

describe("the audit log records the CLI", () => {
  it("user add, reset-password and unlock, host enrol and add, with the CLI as the actor", async () => {
    await cli(["user", "add", "carol", "--role", "OPERATOR"], "carol-password-1\n");
    await cli(["user", "reset-password", "carol"], "carol-password-2\n");
    await cli(["user", "unlock", "carol"]);
    const enrolled = JSON.parse(await cli(["host", "enrol", "edge-2", "--json"])) as { hostId: string };
    const added = JSON.parse(await cli(["host", "add", "edge-3", "--json"])) as { hostId: string };
    const carolId = (await srv.store.users.findByUsername("carol"))?.id;

    const cliActor = {
      userId: null,
      username: "cli",
      role: null,
      clientAddress: "local",
      result: "succeeded",
    };
    expect(await audit("category=user&user=cli")).toMatchObject([
      { ...cliActor, action: "user.unlock", targetId: carolId, target: "carol" },
      { ...cliActor, action: "user.update", targetId: carolId, target: "carol", detail: "password changed" },
      { ...cliActor, action: "user.create", targetId: carolId, target: "carol", detail: "role OPERATOR" },
    ]);
    expect(await audit("category=host&user=cli")).toMatchObject([
      { ...cliActor, action: "host.add", hostId: added.hostId, target: "edge-3" },
      { ...cliActor, action: "host.enrol", hostId: enrolled.hostId, target: "edge-2" },
    ]);
  });
});
