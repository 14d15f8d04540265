import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { AuthTestServer } from "./support/auth-server.ts";
import { waitFor } from "./support/real-agent.ts";
import { upgradeStatus } from "./support/upgrade-status.ts";

// /ws/live: session cookie and Origin are checked in the upgrade, and a user's sockets close with their sessions.
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

const liveUrl = () => `${srv.wsUrl}/ws/live`;
const ownOrigin = () => srv.baseUrl;

/** An open /ws/live socket and the close code it eventually gets. */
async function openLive(cookie: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(liveUrl(), { headers: { cookie, origin: ownOrigin() } });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, closed };
}

describe("the /ws/live upgrade", () => {
  it("accepts a session cookie from the server's own Origin", async () => {
    expect(await upgradeStatus(liveUrl(), { cookie: admin, origin: ownOrigin() })).toBe(101);
  });

  it("refuses a foreign or missing Origin with 403 even with a valid cookie", async () => {
    for (const origin of ["http://evil.example", "http://127.0.0.1:1", "null", "https://127.0.0.1"]) {
      expect(await upgradeStatus(liveUrl(), { cookie: admin, origin }), origin).toBe(403);
    }
    expect(await upgradeStatus(liveUrl(), { cookie: admin })).toBe(403);
  });

  it("refuses a missing, forged or ended session with 401", async () => {
    expect(await upgradeStatus(liveUrl(), { origin: ownOrigin() })).toBe(401);
    expect(
      await upgradeStatus(liveUrl(), {
        origin: ownOrigin(),
        cookie: "crowsnest_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      }),
    ).toBe(401);
  });

  it("checks the Origin against CROWSNEST_PUBLIC_URL when it is set", async () => {
    const pub = await AuthTestServer.start({ publicUrl: "https://dash.example:8443" });
    try {
      await pub.addUser("p", "VIEWER", "p-password-long");
      const cookie = await pub.login("p", "p-password-long");
      const url = `${pub.wsUrl}/ws/live`;
      expect(await upgradeStatus(url, { cookie, origin: "https://dash.example:8443" })).toBe(101);
      expect(await upgradeStatus(url, { cookie, origin: pub.baseUrl })).toBe(403);
    } finally {
      await pub.close();
    }
  });
});

describe("a user's open live sockets", () => {
  it("close on logout: those of that session at once, every one on logout everywhere", async () => {
    await srv.addUser("watcher", "VIEWER");
    const cookie = await srv.login("watcher");
    const other = await srv.login("watcher");
    const third = await srv.login("watcher");
    const mine = await openLive(cookie);
    let otherClosed = false;
    const elsewhere = await openLive(other);
    void elsewhere.closed.then(() => {
      otherClosed = true;
    });
    await waitFor("the hub to register the sockets", () => srv.server.ctx.hub.memory().clients > 1);
    expect((await srv.http("POST", "/api/auth/logout", { cookie })).status).toBe(204);
    expect(await mine.closed).toBe(4003);
    expect(await upgradeStatus(liveUrl(), { cookie, origin: ownOrigin() })).toBe(401);
    expect(otherClosed).toBe(false);
    expect(await upgradeStatus(liveUrl(), { cookie: other, origin: ownOrigin() })).toBe(101);

    expect((await srv.http("POST", "/api/auth/logout-everywhere", { cookie: third })).status).toBe(204);
    expect(await elsewhere.closed).toBe(4003);
    expect(await upgradeStatus(liveUrl(), { cookie: other, origin: ownOrigin() })).toBe(401);
  });

  it("close on a role change, a password change and disabling", async () => {
    const user = await srv.addUser("changing", "OPERATOR");
    const steps = [
      { change: { role: "VIEWER" }, password: "changing-password" },
      { change: { password: "another-long-password" }, password: "changing-password" },
      { change: { disabled: true }, password: "another-long-password" },
    ];
    for (const { change, password } of steps) {
      const { closed } = await openLive(await srv.login("changing", password));
      const res = await srv.http("PATCH", `/api/users/${user.id}`, { cookie: admin, body: change });
      expect(res.status).toBe(200);
      expect(await closed, JSON.stringify(change)).toBe(4003);
    }
  });

  it("close once the session idles out or reaches its absolute end, with REST answering 401 too", async () => {
    const { idleMs, absoluteMs } = srv.config.auth.sessions;
    await srv.addUser("expiring", "VIEWER");
    // Idle: the open socket alone does not count as activity.
    const idle = await srv.login("expiring");
    const first = await openLive(idle);
    srv.clock.advance(idleMs + 1);
    expect(await first.closed).toBe(4003);
    expect((await srv.http("GET", "/api/me", { cookie: idle })).status).toBe(401);
    srv.clock.advance(-(idleMs + 1));
    // Absolute: however active, by keeping the session in use right up to the end.
    const active = await srv.login("expiring");
    const second = await openLive(active);
    for (let used = 0; used < absoluteMs; used += idleMs / 2) {
      srv.clock.advance(idleMs / 2);
      expect((await srv.http("GET", "/api/me", { cookie: active })).status).toBeLessThan(500);
    }
    expect(await second.closed).toBe(4003);
    srv.clock.advance(-srv.clock.offsetMs);
  });

  it("check the session on every subscribe: one deleted behind the server's back closes the socket at once", async () => {
    const slow = await AuthTestServer.start({ sessionCheckMs: 3_600_000 });
    try {
      const user = await slow.addUser("behind", "VIEWER");
      const cookie = await slow.login("behind");
      const ws = new WebSocket(`${slow.wsUrl}/ws/live`, { headers: { cookie, origin: slow.baseUrl } });
      const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
      await new Promise((resolve) => ws.once("open", resolve));
      const messages: string[] = [];
      ws.on("message", (data) => messages.push(String(data)));
      // What `user reset-password` in another process does: the rows go, this process is not told.
      await slow.store.sessions.deleteForUser(user.id);
      ws.send(JSON.stringify({ type: "subscribe", topic: { kind: "fleet" } }));
      expect(await closed).toBe(4003);
      expect(messages.filter((m) => m.includes('"subscribed"'))).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it("close when the user is deleted", async () => {
    const user = await srv.addUser("leaving", "VIEWER");
    const { closed } = await openLive(await srv.login("leaving"));
    expect((await srv.http("DELETE", `/api/users/${user.id}`, { cookie: admin })).status).toBe(204);
    expect(await closed).toBe(4003);
  });
});
