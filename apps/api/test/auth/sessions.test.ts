import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/auth/secret-token.ts";
import { AuthTestServer } from "./support/auth-server.ts";

// Sessions, login throttling and the session guard, over real HTTP against a real server.
let srv: AuthTestServer;
beforeAll(async () => {
  srv = await AuthTestServer.start();
  await srv.addUser("root", "ADMIN");
});
afterAll(async () => {
  await srv.close();
});

describe("login", () => {
  it("sets an HttpOnly, SameSite=Lax session cookie and returns the user", async () => {
    const user = await srv.addUser("login-ok", "OPERATOR");
    const res = await srv.http("POST", "/api/auth/login", {
      body: { username: "login-ok", password: "login-ok-password" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: user.id, username: "login-ok", role: "OPERATOR" });
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^crowsnest_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).not.toContain("Secure");
  });

  it("issues a new session id at every login and stores only its hash", async () => {
    await srv.addUser("twice", "VIEWER");
    const a = await srv.login("twice");
    const b = await srv.login("twice");
    expect(a).not.toBe(b);
    const raw = a.split("=")[1] ?? "";
    // The store finds the session by the SHA-256 of the cookie's value, never by the value itself.
    expect(await srv.store.sessions.find(raw)).toBeNull();
    expect((await srv.store.sessions.find(hashToken(raw)))?.user.username).toBe("twice");
  });

  it("answers a wrong password and an unknown user alike", async () => {
    const wrong = await srv.http("POST", "/api/auth/login", { body: { username: "root", password: "nope" } });
    const unknown = await srv.http("POST", "/api/auth/login", {
      body: { username: "ghost", password: "nope" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    // Alike but for the request id each error carries (also its X-Request-Id), which differs.
    expect({ ...wrong.body.error, requestId: null }).toEqual({ ...unknown.body.error, requestId: null });
    expect(wrong.body.error.requestId).toBe(wrong.headers.get("x-request-id"));
    expect(wrong.body.error.requestId).not.toBe(unknown.body.error.requestId);
  });

  it("refuses the 11th failed login in a row for one account with 429 and a generic message", async () => {
    await srv.addUser("victim", "VIEWER");
    for (let i = 1; i <= 10; i++) {
      const res = await srv.http("POST", "/api/auth/login", {
        body: { username: "victim", password: `guess-${i}` },
      });
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const eleventh = await srv.http("POST", "/api/auth/login", {
      body: { username: "victim", password: "victim-password" },
    });
    expect(eleventh.status).toBe(429);
    expect(eleventh.body.error.code).toBe("too_many_requests");
    expect(eleventh.body.error.message).not.toMatch(/password|victim/);
    const retryAfter = Number(eleventh.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(srv.config.auth.loginThrottle.lockMs / 1000);
    // The lock lifts after the lock period.
    srv.clock.advance(srv.config.auth.loginThrottle.lockMs);
    expect(
      (
        await srv.http("POST", "/api/auth/login", {
          body: { username: "victim", password: "victim-password" },
        })
      ).status,
    ).toBe(200);
  });

  it("refuses an address that sprayed 50 failures over many usernames with 429, whatever the account", async () => {
    await srv.addUser("bystander", "VIEWER");
    const { maxFailuresPerAddress, lockMs } = srv.config.auth.loginThrottle;
    for (let i = 1; i <= maxFailuresPerAddress; i++) {
      const res = await srv.http("POST", "/api/auth/login", {
        body: { username: `sprayed-${i}`, password: "guess-guess" },
      });
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const next = await srv.http("POST", "/api/auth/login", {
      body: { username: "bystander", password: "bystander-password" },
    });
    expect(next.status).toBe(429);
    expect(next.body.error).toMatchObject({ code: "too_many_requests" });
    expect(next.body.error.message).not.toMatch(/bystander|address|127\.0\.0\.1/);
    srv.clock.advance(lockMs);
    const later = await srv.http("POST", "/api/auth/login", {
      body: { username: "bystander", password: "bystander-password" },
    });
    expect(later.status).toBe(200);
  });

  it("refuses a disabled user with the same generic 401", async () => {
    const u = await srv.addUser("disabled-one", "VIEWER");
    await srv.store.users.update(u.id, { disabled: true });
    const res = await srv.http("POST", "/api/auth/login", {
      body: { username: "disabled-one", password: "disabled-one-password" },
    });
    expect(res.status).toBe(401);
  });
});

describe("the session guard", () => {
  it("lets only health and login through without a session, unknown /api paths included", async () => {
    expect((await srv.http("GET", "/api/health")).status).toBe(200);
    for (const [method, path] of [
      ["GET", "/api/me"],
      ["GET", "/api/hosts"],
      ["GET", "/api/users"],
      ["GET", "/api/audit"],
      ["POST", "/api/hosts"],
      ["GET", "/api/no-such-thing"],
      ["POST", `/api/hosts/h/containers/${"a".repeat(64)}/actions`],
    ] as const) {
      const res = await srv.http(method, path, { cookie: "crowsnest_session=forged-forged-forged-forged" });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe("unauthorized");
    }
  });

  it("refuses a state-changing request from a foreign Origin, session or not", async () => {
    const cookie = await srv.login("root");
    const res = await srv.http("POST", "/api/users", {
      cookie,
      headers: { origin: "http://evil.example" },
      body: { username: "csrf", password: "csrf-password", role: "ADMIN" },
    });
    expect(res.status).toBe(403);
    expect(await srv.store.users.findByUsername("csrf")).toBeNull();
    const own = await srv.http("GET", "/api/me", { cookie, headers: { origin: srv.baseUrl } });
    expect(own.status).toBe(200);
  });

  it("returns the user and role from /api/me", async () => {
    const cookie = await srv.login("root");
    const me = await srv.http("GET", "/api/me", { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: "root", role: "ADMIN" });
  });
});

describe("a session is refused", () => {
  it("after logout, which ends that session only, and after logout everywhere, which ends all", async () => {
    await srv.addUser("leaver", "OPERATOR");
    const first = await srv.login("leaver");
    const second = await srv.login("leaver");
    const third = await srv.login("leaver");
    const out = await srv.http("POST", "/api/auth/logout", { cookie: first });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await srv.http("GET", "/api/me", { cookie: first })).status).toBe(401);
    expect((await srv.http("GET", "/api/me", { cookie: second })).status).toBe(200);
    const all = await srv.http("POST", "/api/auth/logout-everywhere", { cookie: second });
    expect(all.status).toBe(204);
    expect(all.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await srv.http("GET", "/api/me", { cookie: second })).status).toBe(401);
    expect((await srv.http("GET", "/api/me", { cookie: third })).status).toBe(401);
    expect((await srv.http("POST", "/api/auth/logout-everywhere", { cookie: third })).status).toBe(401);
  });

  it("after its idle expiry, and after its absolute expiry however active", async () => {
    await srv.addUser("sleeper", "VIEWER");
    const { idleMs, absoluteMs } = srv.config.auth.sessions;
    const idle = await srv.login("sleeper");
    srv.clock.advance(idleMs - 60_000);
    expect((await srv.http("GET", "/api/me", { cookie: idle })).status).toBe(200);
    srv.clock.advance(idleMs);
    expect((await srv.http("GET", "/api/me", { cookie: idle })).status).toBe(401);

    const busy = await srv.login("sleeper");
    const step = idleMs / 2;
    for (let t = step; t < absoluteMs; t += step) {
      srv.clock.advance(step);
      expect((await srv.http("GET", "/api/me", { cookie: busy })).status).toBe(200);
    }
    srv.clock.advance(step);
    expect((await srv.http("GET", "/api/me", { cookie: busy })).status).toBe(401);
  });

  it("after a password change, a role change or disabling, and the new password works", async () => {
    const admin = await srv.login("root");
    const u = await srv.addUser("changer", "OPERATOR");
    const before = await srv.login("changer");
    const changed = await srv.http("PATCH", `/api/users/${u.id}`, {
      cookie: admin,
      body: { password: "a-brand-new-password" },
    });
    expect(changed.status).toBe(200);
    expect((await srv.http("GET", "/api/me", { cookie: before })).status).toBe(401);
    expect(
      (
        await srv.http("POST", "/api/auth/login", {
          body: { username: "changer", password: "changer-password" },
        })
      ).status,
    ).toBe(401);
    const after = await srv.login("changer", "a-brand-new-password");

    await srv.http("PATCH", `/api/users/${u.id}`, { cookie: admin, body: { role: "VIEWER" } });
    expect((await srv.http("GET", "/api/me", { cookie: after })).status).toBe(401);
    const asViewer = await srv.login("changer", "a-brand-new-password");
    expect((await srv.http("GET", "/api/me", { cookie: asViewer })).body.role).toBe("VIEWER");

    await srv.http("PATCH", `/api/users/${u.id}`, { cookie: admin, body: { disabled: true } });
    expect((await srv.http("GET", "/api/me", { cookie: asViewer })).status).toBe(401);
  });
});

describe("the Secure flag", () => {
  it("is set when CROWSNEST_PUBLIC_URL is https", async () => {
    const https = await AuthTestServer.start({ publicUrl: "https://crowsnest.example" });
    try {
      await https.addUser("s", "VIEWER", "s-password-long");
      const res = await https.http("POST", "/api/auth/login", {
        body: { username: "s", password: "s-password-long" },
      });
      expect(res.headers.get("set-cookie")).toContain("; Secure");
    } finally {
      await https.close();
    }
  });
});
