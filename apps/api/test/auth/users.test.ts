import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthTestServer } from "./support/auth-server.ts";

// User management over real HTTP: admin-only, validated, and never leaving the server without an ADMIN.
let srv: AuthTestServer;
let admin: string;
beforeAll(async () => {
  srv = await AuthTestServer.start();
  await srv.addUser("root", "ADMIN");
  admin = await srv.login("root");
});
afterAll(async () => {
  await srv.close();
});

describe("/api/users", () => {
  it("creates, lists, updates and deletes users, never exposing password hashes", async () => {
    const created = await srv.http("POST", "/api/users", {
      cookie: admin,
      body: { username: "newbie", password: "newbie-password", role: "VIEWER" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      username: "newbie",
      role: "VIEWER",
      disabled: false,
      createdAt: expect.any(Number),
    });
    const list = await srv.http("GET", "/api/users", { cookie: admin });
    expect(list.body.map((u: { username: string }) => u.username)).toEqual(["root", "newbie"]);
    expect(JSON.stringify(list.body)).not.toContain("scrypt");

    const dup = await srv.http("POST", "/api/users", {
      cookie: admin,
      body: { username: "NEWBIE", password: "another-password", role: "VIEWER" },
    });
    expect(dup.status).toBe(409);

    const patched = await srv.http("PATCH", `/api/users/${created.body.id}`, {
      cookie: admin,
      body: { role: "OPERATOR" },
    });
    expect(patched.body.role).toBe("OPERATOR");
    expect((await srv.http("DELETE", `/api/users/${created.body.id}`, { cookie: admin })).status).toBe(204);
    expect((await srv.http("DELETE", `/api/users/${created.body.id}`, { cookie: admin })).status).toBe(404);
  });

  it("names the field at fault in a bad request", async () => {
    const short = await srv.http("POST", "/api/users", {
      cookie: admin,
      body: { username: "x", password: "short", role: "VIEWER" },
    });
    expect(short.status).toBe(400);
    expect(short.body.error.field).toBe("body.password");
    const extra = await srv.http("PATCH", `/api/users/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}`, {
      cookie: admin,
      body: { isAdmin: true },
    });
    expect(extra.status).toBe(400);
    expect(
      (await srv.http("PATCH", "/api/users/not-a-uuid", { cookie: admin, body: {} })).body.error.field,
    ).toBe("params.id");
  });

  it("is for ADMINs only", async () => {
    await srv.addUser("op", "OPERATOR");
    await srv.addUser("viewer", "VIEWER");
    for (const name of ["op", "viewer"]) {
      const cookie = await srv.login(name);
      const rootId = (await srv.store.users.findByUsername("root"))?.id;
      for (const [method, path, body] of [
        ["GET", "/api/users", undefined],
        ["POST", "/api/users", { username: "sneaky", password: "sneaky-password", role: "ADMIN" }],
        ["PATCH", `/api/users/${rootId}`, { password: "taken-over-password" }],
        ["DELETE", `/api/users/${rootId}`, undefined],
        ["POST", "/api/hosts", { name: "rogue" }],
        ["POST", "/api/hosts/some-host/revoke", undefined],
        ["POST", "/api/hosts/some-host/rotate", undefined],
        ["GET", "/api/audit", undefined],
      ] as const) {
        const res = await srv.http(method, path, { cookie, body });
        expect(res.status, `${name} ${method} ${path}`).toBe(403);
      }
    }
    expect(await srv.store.users.findByUsername("sneaky")).toBeNull();
  });

  it("refuses to demote, disable or delete the last active ADMIN", async () => {
    const rootId = (await srv.store.users.findByUsername("root"))?.id;
    for (const [method, body] of [
      ["PATCH", { role: "OPERATOR" }],
      ["PATCH", { disabled: true }],
      ["DELETE", undefined],
    ] as const) {
      const res = await srv.http(method, `/api/users/${rootId}`, { cookie: admin, body });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/last active ADMIN/);
    }
    // With a second ADMIN, the first can step down.
    const second = await srv.http("POST", "/api/users", {
      cookie: admin,
      body: { username: "root2", password: "root2-password", role: "ADMIN" },
    });
    expect(second.status).toBe(201);
    expect(
      (await srv.http("PATCH", `/api/users/${rootId}`, { cookie: admin, body: { role: "OPERATOR" } })).status,
    ).toBe(200);
    // Stepping down signed root out everywhere.
    expect((await srv.http("GET", "/api/me", { cookie: admin })).status).toBe(401);
  });
});
