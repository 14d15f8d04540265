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
  it("close on logout", async () => {
    await srv.addUser("watcher", "VIEWER");
    const cookie = await srv.login("watcher");
    const { closed } = await openLive(cookie);
    await waitFor("the hub to register the socket", () => srv.server.ctx.hub.clientCount > 0);
    expect((await srv.http("POST", "/api/auth/logout", { cookie })).status).toBe(204);
    expect(await closed).toBe(4003);
    expect(await upgradeStatus(liveUrl(), { cookie, origin: ownOrigin() })).toBe(401);
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

  it("close when the user is deleted", async () => {
    const user = await srv.addUser("leaving", "VIEWER");
    const { closed } = await openLive(await srv.login("leaving"));
    expect((await srv.http("DELETE", `/api/users/${user.id}`, { cookie: admin })).status).toBe(204);
    expect(await closed).toBe(4003);
  });
});
