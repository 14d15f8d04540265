import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthTestServer } from "../auth/support/auth-server.ts";
import { removeTestContainers, requireDocker, runTestContainer } from "../auth/support/docker.ts";
import { RealAgent, waitFor } from "../auth/support/real-agent.ts";
import { upgradeStatus } from "../auth/support/upgrade-status.ts";

// Issue 24, sections 1 and 2, over HTTP against the real server, with the real agent and Engine
// where the agent matters: the URL new agents dial (remembered, warned about), unique names, the
// host states, re-issued enrolment tokens and deleting a host with or without its data.
let srv: AuthTestServer;
let admin: string;
let viewer: string;
const agents: RealAgent[] = [];

beforeAll(async () => {
  await requireDocker();
  // Something for the agents' inventory to list, whatever else the Engine runs (nothing, in CI).
  await runTestContainer("lifecycle");
  srv = await AuthTestServer.start();
  await srv.addUser("root", "ADMIN");
  await srv.addUser("watcher", "VIEWER");
  admin = await srv.login("root");
  viewer = await srv.login("watcher");
});
afterAll(async () => {
  for (const agent of agents) await agent.dispose();
  await srv?.close();
  await removeTestContainers();
});

async function enrol(name: string, agentUrl?: string) {
  const res = await srv.http("POST", "/api/hosts", { cookie: admin, body: { name, agentUrl } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { host: { id: string }; enrolmentToken: string; agentUrl: string; warnings: unknown[] };
}

function startAgent(token: string | null): RealAgent {
  const agent = RealAgent.start(srv.wsUrl, token);
  agents.push(agent);
  return agent;
}

const host = async (hostId: string) =>
  (await srv.http("GET", `/api/hosts/${hostId}`, { cookie: admin })).body;
const online = (hostId: string) => () => srv.server.ctx.agents.isOnline(hostId);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function audit(action: string): Promise<Array<Record<string, unknown>>> {
  const res = await srv.http("GET", `/api/audit?category=host&action=${action}`, { cookie: admin });
  return res.body.entries;
}

describe("the URL new agents dial", () => {
  it("is the address the admin used, warned about as loopback, until an admin saves another", async () => {
    const setting = await srv.http("GET", "/api/settings/agent-url", { cookie: admin });
    expect(setting.body).toEqual({
      agentUrl: `${srv.wsUrl}/ws/agent`,
      source: "request",
      warnings: [
        expect.objectContaining({ code: "loopback", message: expect.stringContaining("127.0.0.1") }),
      ],
    });
    const first = await enrol("url-default");
    expect(first.agentUrl).toBe(`${srv.wsUrl}/ws/agent`);
    expect(first.warnings).toEqual([expect.objectContaining({ code: "loopback" })]);

    const saved = await srv.http("PUT", "/api/settings/agent-url", {
      cookie: admin,
      body: { agentUrl: "wss://crowsnest.example.com/ws/agent" },
    });
    expect(saved.body).toEqual({
      agentUrl: "wss://crowsnest.example.com/ws/agent",
      source: "saved",
      warnings: [],
    });
    const second = await enrol("url-saved");
    expect(second.agentUrl).toBe("wss://crowsnest.example.com/ws/agent");
    expect(second.warnings).toEqual([]);
    expect(
      (await srv.http("POST", "/api/hosts", { cookie: admin, body: { name: "x" } })).body.agentCommand,
    ).toContain("--server-url wss://crowsnest.example.com/ws/agent ");

    // Chosen for one command only: plain ws:// to another machine is warned about, the default stays.
    const plain = await enrol("url-plain", "ws://10.0.0.5:8080/ws/agent");
    expect(plain.warnings).toEqual([expect.objectContaining({ code: "unencrypted" })]);
    expect((await srv.http("GET", "/api/settings/agent-url", { cookie: admin })).body.source).toBe("saved");

    const bad = await srv.http("PUT", "/api/settings/agent-url", {
      cookie: admin,
      body: { agentUrl: "http://x" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("body.agentUrl");
    const cleared = await srv.http("PUT", "/api/settings/agent-url", {
      cookie: admin,
      body: { agentUrl: null },
    });
    expect(cleared.body.source).toBe("request");
    expect((await audit("host.agent_url")).map((e) => e.detail)).toEqual([
      "cleared: the default again",
      "wss://crowsnest.example.com/ws/agent",
    ]);
  });

  it("is for ADMINs only", async () => {
    expect((await srv.http("GET", "/api/settings/agent-url", { cookie: viewer })).status).toBe(403);
    const put = await srv.http("PUT", "/api/settings/agent-url", {
      cookie: viewer,
      body: { agentUrl: null },
    });
    expect(put.status).toBe(403);
  });
});

describe("host names", () => {
  it("are unique regardless of case: 409, audited, nothing created", async () => {
    await enrol("Edge-03");
    const res = await srv.http("POST", "/api/hosts", { cookie: admin, body: { name: "edge-03" } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain("exists already");
    const hosts = (await srv.http("GET", "/api/hosts", { cookie: admin })).body as { name: string }[];
    expect(hosts.filter((h) => h.name.toLowerCase() === "edge-03")).toHaveLength(1);
    expect((await audit("host.enrol")).find((e) => e.target === "edge-03")?.result).toBe("failed");
  });
});

describe("host states and re-issued tokens", () => {
  it("waiting, then a lost token re-issued enrols the real agent: online, offline since, revoked", async () => {
    const { host: created, enrolmentToken: lost } = await enrol("reissued");
    expect(await host(created.id)).toMatchObject({ state: "waiting", lastSeen: null, revokedAt: null });

    const res = await srv.http("POST", `/api/hosts/${created.id}/enrolment-token`, { cookie: admin });
    expect(res.status).toBe(201);
    expect(res.body.enrolmentToken).not.toBe(lost);
    expect(res.body.host.state).toBe("waiting");
    expect(await upgradeStatus(`${srv.wsUrl}/ws/agent`, bearer(lost))).toBe(401);

    const agent = startAgent(res.body.enrolmentToken);
    await agent.until("the agent to enrol with the re-issued token", online(created.id));
    expect((await host(created.id)).state).toBe("online");
    // Its agent has connected: a token is not re-issued now (rotate instead), nor after it left.
    const refused = await srv.http("POST", `/api/hosts/${created.id}/enrolment-token`, { cookie: admin });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("rotate");

    await agent.stop();
    await waitFor("the host to go offline", async () => (await host(created.id)).state === "offline");
    expect((await host(created.id)).lastSeen).toEqual(expect.any(Number));
    expect(
      (await srv.http("POST", `/api/hosts/${created.id}/enrolment-token`, { cookie: admin })).status,
    ).toBe(409);

    expect((await srv.http("POST", `/api/hosts/${created.id}/revoke`, { cookie: admin })).status).toBe(204);
    expect(await host(created.id)).toMatchObject({ state: "revoked", revokedAt: expect.any(Number) });
    // A revoked host gets in again only with a new token.
    const again = await srv.http("POST", `/api/hosts/${created.id}/enrolment-token`, {
      cookie: admin,
      body: { agentUrl: `${srv.wsUrl}/ws/agent` },
    });
    expect(again.status).toBe(201);
    expect((await host(created.id)).state).toBe("offline");
    expect((await audit("host.reissue")).map((e) => e.result)).toEqual([
      "succeeded",
      "failed",
      "failed",
      "succeeded",
    ]);
    expect(
      (await srv.http("POST", "/api/hosts/no-such-host/enrolment-token", { cookie: admin })).status,
    ).toBe(404);
    expect(
      (await srv.http("POST", `/api/hosts/${created.id}/enrolment-token`, { cookie: viewer })).status,
    ).toBe(403);
  });
});

describe("deleting a host", () => {
  it("closes its live agent and keeps its data readable, or deletes it all", async () => {
    const { host: created, enrolmentToken } = await enrol("doomed");
    const agent = startAgent(enrolmentToken);
    await agent.until("the agent to come online", online(created.id));
    const credential = await agent.until("a saved credential", () => agent.savedCredential() ?? undefined);
    const containers = await waitFor("the agent's inventory", async () => {
      const list = (await srv.http("GET", `/api/hosts/${created.id}/containers`, { cookie: admin })).body;
      return list.length > 0 ? list : undefined;
    });

    expect((await srv.http("DELETE", `/api/hosts/${created.id}`, { cookie: admin })).status).toBe(400);
    expect((await srv.http("DELETE", `/api/hosts/${created.id}?data=keep`, { cookie: viewer })).status).toBe(
      403,
    );
    expect((await srv.http("DELETE", `/api/hosts/${created.id}?data=keep`, { cookie: admin })).status).toBe(
      204,
    );
    await waitFor("the agent to be disconnected", () => !online(created.id)(), 5_000);
    expect(await upgradeStatus(`${srv.wsUrl}/ws/agent`, bearer(credential))).toBe(401);
    await agent.until("the agent to log the refusal", () =>
      agent.output.includes("refused the agent's credential"),
    );

    // Kept: out of the fleet, readable on its own page and in the list with include=deleted.
    expect(await host(created.id)).toMatchObject({ state: "deleted", deletedAt: expect.any(Number) });
    const listed = (await srv.http("GET", "/api/hosts", { cookie: viewer })).body as { id: string }[];
    expect(listed.map((h) => h.id)).not.toContain(created.id);
    const all = (await srv.http("GET", "/api/hosts?include=deleted", { cookie: admin })).body as {
      id: string;
    }[];
    expect(all.map((h) => h.id)).toContain(created.id);
    const fleet = (await srv.http("GET", "/api/containers", { cookie: viewer })).body as { hostId: string }[];
    expect(fleet.filter((c) => c.hostId === created.id)).toEqual([]);
    const kept = (await srv.http("GET", `/api/hosts/${created.id}/containers`, { cookie: viewer })).body;
    expect(kept).toHaveLength(containers.length);
    expect(
      (await srv.http("POST", `/api/hosts/${created.id}/enrolment-token`, { cookie: admin })).status,
    ).toBe(409);
    expect((await srv.http("DELETE", `/api/hosts/${created.id}?data=keep`, { cookie: admin })).status).toBe(
      409,
    );
    // Its name is free again.
    await enrol("DOOMED");

    expect((await srv.http("DELETE", `/api/hosts/${created.id}?data=delete`, { cookie: admin })).status).toBe(
      204,
    );
    expect((await srv.http("GET", `/api/hosts/${created.id}`, { cookie: admin })).status).toBe(404);
    expect((await srv.http("GET", `/api/hosts/${created.id}/containers`, { cookie: admin })).status).toBe(
      404,
    );
    expect((await srv.http("DELETE", `/api/hosts/${created.id}?data=delete`, { cookie: admin })).status).toBe(
      404,
    );
    expect((await audit("host.delete")).map((e) => [e.target, e.result, e.detail])).toEqual([
      [null, "failed", null],
      ["doomed", "succeeded", "its data deleted"],
      ["doomed", "failed", null],
      ["doomed", "succeeded", "its data kept"],
    ]);
  });

  it("deletes a live host's data at once and closes its agent", async () => {
    const { host: created, enrolmentToken } = await enrol("purged");
    const agent = startAgent(enrolmentToken);
    await agent.until("the agent to come online", online(created.id));
    expect((await srv.http("DELETE", `/api/hosts/${created.id}?data=delete`, { cookie: admin })).status).toBe(
      204,
    );
    await waitFor("the agent to be disconnected", () => !online(created.id)(), 5_000);
    expect((await srv.http("GET", `/api/hosts/${created.id}`, { cookie: admin })).status).toBe(404);
  });
});

describe("the agent's error when the server cannot be reached", () => {
  it("names the URL and says what to check", async () => {
    const port = await closedPort();
    const agent = RealAgent.start(`ws://127.0.0.1:${port}`, "some-token");
    agents.push(agent);
    const url = `ws://127.0.0.1:${port}/ws/agent`;
    await agent.until("the agent to explain", () =>
      agent.output.includes(`cannot reach the server at ${url}`),
    );
    expect(agent.output).toContain("(ECONNREFUSED): 127.0.0.1 is this machine");
    expect(agent.output).toContain("--server-url");
  });
});

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
