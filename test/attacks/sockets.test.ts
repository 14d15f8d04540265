import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerInfo } from "../../apps/api/test/support/samples.ts";
import { ApiClient } from "../support/api-client.ts";
import { ADMIN_PASSWORD, ServerProcess, waitFor } from "../support/processes.ts";
import { expectOpen, nextMatching, type Opened, openSocket, send } from "../support/raw-sockets.ts";
import { welcomedSocket } from "../support/rig.ts";

const hex = (c: string) => c.repeat(64);

function inventoryWith(containerId: string, name: string) {
  return { type: "inventory", time: Date.now(), containers: [containerInfo(containerId, name)] };
}

describe("attacks on the WebSocket endpoints", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-attack-"));
  let server: ServerProcess;
  let admin: ApiClient;
  let origin: string;

  beforeAll(async () => {
    server = await ServerProcess.start({ dataDir: join(dir, "server") });
    admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    origin = server.baseUrl;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const connectAgent = (token: string): Promise<Opened> => welcomedSocket(server, token);

  const liveUrl = () => `ws://127.0.0.1:${server.options.port}/ws/live`;

  it("refuses agent upgrades without a valid host credential, before reading any frame", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer not-a-token" },
      { authorization: "Basic YWRtaW46YWRtaW4=" },
      { cookie: admin.cookie },
    ];
    for (const headers of attempts) {
      const outcome = await openSocket(server.agentUrl, headers);
      expect(outcome, JSON.stringify(headers)).toEqual({ ok: false, status: 401 });
    }
  });

  it("accepts an enrolment token once, never twice", async () => {
    const enrolment = JSON.parse(await server.cli("host", "enrol", "once", "--json")) as { token: string };
    const first = await connectAgent(enrolment.token);
    const welcome = first.messages.find((m) => (m as { type: string }).type === "welcome") as {
      credential: string | null;
    };
    expect(welcome.credential).toMatch(/.{32,}/);
    first.socket.close();
    expect(await openSocket(server.agentUrl, { authorization: `Bearer ${enrolment.token}` })).toEqual({
      ok: false,
      status: 401,
    });
    // The credential it was traded for works instead.
    (await connectAgent(welcome.credential ?? "")).socket.close();
  });

  it("disconnects and then refuses a revoked credential", async () => {
    const { hostId, token } = await server.addHost("to-revoke");
    const agent = await connectAgent(token);
    const res = await fetch(`${server.baseUrl}/api/hosts/${hostId}/revoke`, {
      method: "POST",
      headers: { cookie: admin.cookie, origin },
    });
    expect(res.status).toBeLessThan(300);
    await agent.closed;
    expect(await openSocket(server.agentUrl, { authorization: `Bearer ${token}` })).toEqual({
      ok: false,
      status: 401,
    });
  });

  it("keeps an agent inside its own host: another host's container ids never reach that host", async () => {
    const victim = await server.addHost("victim");
    const attacker = await server.addHost("attacker");
    const victimAgent = await connectAgent(victim.token);
    send(victimAgent, inventoryWith(hex("a"), "victim-app"));
    const attackerAgent = await connectAgent(attacker.token);
    // The attacker claims the victim's container and writes logs for it.
    send(attackerAgent, inventoryWith(hex("a"), "hijacked"));
    send(attackerAgent, {
      type: "logs",
      seq: 1,
      lines: [
        {
          containerId: hex("a"),
          ts: new Date().toISOString(),
          stream: "stdout",
          text: "forged",
          truncated: false,
        },
      ],
      drops: [],
    });
    await nextMatching(attackerAgent, (m) => (m as { type: string; seq?: number }).type === "ack");

    const victimContainer = await admin.get<{ names: string[] }>(
      `/api/hosts/${victim.hostId}/containers/${hex("a")}`,
    );
    expect(victimContainer.names).toEqual(["/victim-app"]);
    const victimLogs = await admin.allLogLines(victim.hostId, hex("a"));
    expect(victimLogs.map((l) => l.text)).not.toContain("forged");
    victimAgent.socket.close();
    attackerAgent.socket.close();
  });

  it("answers malformed agent frames with an error, closes only the sender on a 10 MiB frame", async () => {
    const { token } = await server.addHost("malformed");
    const bystander = await server.addHost("bystander");
    const agent = await connectAgent(token);
    const other = await connectAgent(bystander.token);

    send(agent, "{not json");
    send(agent, `{"type":"metrics","seq":1,"samples":${"[".repeat(10_000)}${"]".repeat(10_000)}}`);
    send(agent, { type: "command", command: { action: "stop" } });
    send(agent, { type: "metrics", seq: 1, samples: [{ containerId: "../containers/json" }] });
    await waitFor(
      "four errors",
      async () => agent.messages.filter((m) => (m as { type: string }).type === "error").length >= 4,
    );

    send(agent, { type: "logs", seq: 1, lines: [], drops: [], pad: "x".repeat(10 * 1024 * 1024) });
    const closed = await agent.closed;
    expect(closed.code).toBe(1009);

    send(other, { type: "metrics", seq: 1, samples: [] });
    await nextMatching(other, (m) => (m as { type: string }).type === "ack");
    expect((await fetch(`${server.baseUrl}/api/health`)).status).toBe(200);
    other.socket.close();
  });

  it("refuses cross-site WebSocket hijacking: foreign or missing Origin, even with a valid cookie", async () => {
    const cookie = admin.cookie;
    expect(await openSocket(liveUrl(), { cookie, origin: "https://evil.example" })).toEqual({
      ok: false,
      status: 403,
    });
    expect(await openSocket(liveUrl(), { cookie })).toEqual({ ok: false, status: 403 });
    expect(await openSocket(liveUrl(), { origin })).toEqual({ ok: false, status: 401 });
    const ok = await expectOpen(liveUrl(), { cookie, origin });
    ok.socket.close();
  });

  it("does not let /ws/live frames act, and closes a socket that sends 10 MiB", async () => {
    const live = await expectOpen(liveUrl(), { cookie: admin.cookie, origin });
    send(live, { type: "action", hostId: "h", containerId: hex("b"), action: "stop" });
    send(live, { type: "command", command: { containerId: hex("b"), action: "remove" } });
    await waitFor(
      "two errors",
      async () => live.messages.filter((m) => (m as { type: string }).type === "error").length >= 2,
    );
    send(live, "x".repeat(10 * 1024 * 1024));
    expect((await live.closed).code).toBe(1009);
  });

  it("rejects a fixed session id, a cookie after logout, and closes sockets on a role change", async () => {
    const created = await fetch(`${server.baseUrl}/api/users`, {
      method: "POST",
      headers: { cookie: admin.cookie, origin, "content-type": "application/json" },
      body: JSON.stringify({ username: "operator1", password: "operator-password", role: "OPERATOR" }),
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string };

    // Session fixation: a cookie chosen by an attacker before login is replaced, and worthless.
    const planted = "crowsnest_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: "POST",
      headers: { cookie: planted, origin, "content-type": "application/json" },
      body: JSON.stringify({ username: "operator1", password: "operator-password" }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie()[0]?.split(";")[0] ?? "";
    expect(cookie).not.toBe(planted);
    expect((await fetch(`${server.baseUrl}/api/me`, { headers: { cookie: planted } })).status).toBe(401);

    const live = await expectOpen(liveUrl(), { cookie, origin });
    const patched = await fetch(`${server.baseUrl}/api/users/${user.id}`, {
      method: "PATCH",
      headers: { cookie: admin.cookie, origin, "content-type": "application/json" },
      body: JSON.stringify({ role: "VIEWER" }),
    });
    expect(patched.status).toBe(200);
    await live.closed;
    expect((await fetch(`${server.baseUrl}/api/me`, { headers: { cookie } })).status).toBe(401);

    // A stolen cookie is worthless after its owner logs out.
    const again = await ApiClient.login(server.baseUrl, "operator1", "operator-password");
    const logout = await fetch(`${server.baseUrl}/api/auth/logout`, {
      method: "POST",
      headers: { cookie: again.cookie, origin },
    });
    expect(logout.status).toBeLessThan(300);
    expect((await fetch(`${server.baseUrl}/api/me`, { headers: { cookie: again.cookie } })).status).toBe(401);
    expect(await openSocket(liveUrl(), { cookie: again.cookie, origin })).toEqual({ ok: false, status: 401 });
  });

  it("closes an open /ws/live socket when the CLI resets its user's password from another process", async () => {
    await admin.post("/api/users", { username: "resetme", password: "resetme-password", role: "VIEWER" });
    const user = await ApiClient.login(server.baseUrl, "resetme", "resetme-password");
    const live = await expectOpen(liveUrl(), { cookie: user.cookie, origin });
    const output = await server.cli("user", "reset-password", "resetme");
    expect(output).toMatch(/shown only this once/);
    // Within the periodic check (5 s by default), with no request from anyone.
    expect((await live.closed).code).toBe(4003);
    expect((await fetch(`${server.baseUrl}/api/me`, { headers: { cookie: user.cookie } })).status).toBe(401);
  });
});
