import { CLOSE_CODES, type CommandMessage } from "@crowsnest/protocol";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { ApiClient } from "../../../../test/support/api-client.ts";
import { ReplicaCluster } from "../../../../test/support/cluster.ts";
import { waitFor } from "../../../../test/support/processes.ts";
import { createTestDatabase, type TestDatabase } from "../store/postgres-database.ts";
import { LiveSocket, until } from "../support/live-socket.ts";
import { containerId, containerInfo, logLine, metricSample } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";

// Two real crowsnest-server processes on one PostgreSQL database and a test-owned nats-server: what an agent
// held by one replica does is seen, acted on and cut off from the other. The replicas check live
// sessions only every 10 min, so a socket closed by a sign-out was closed by the broadcast.
// The nats-server requires a user and password, as compose.cluster.yaml's does; the replicas have
// them in their URL.

const NATS_CREDENTIALS = { user: "crowsnest", pass: "bus-password-not-for-logs" };

let database: TestDatabase;
let cluster: ReplicaCluster;
let adminA: ApiClient;

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await ReplicaCluster.start({
    replicas: 2,
    databaseUrl: database.url,
    natsCredentials: NATS_CREDENTIALS,
    env: {
      CROWSNEST_LIVE_SESSION_CHECK_MS: "600000",
      // A command that reached no agent would wait this long: an `offline` answer must come first.
      CROWSNEST_COMMAND_TIMEOUT_MS: "600000",
      // For the first test: what a replica logs about the bus it joined.
      CROWSNEST_LOG_LEVEL: "info",
    },
  });
  adminA = await cluster.admin(0);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await database?.drop();
});

const A = () => cluster.replica(0);
const B = () => cluster.replica(1);

/** A browser signed in on a replica, on its /ws/live. */
async function browserOn(client: ApiClient): Promise<LiveSocket> {
  const url = new URL(client.baseUrl);
  return LiveSocket.open(`ws://${url.host}/ws/live`, { cookie: client.cookie, origin: url.origin });
}

/** An agent of a new host, held by `replica`, with one running container. */
async function agentOn(
  replicaUrl: string,
  name: string,
  incarnation = `${name}-incarnation-0001`,
): Promise<{ hostId: string; token: string; container: string; agent: SimAgent }> {
  const { hostId, token } = await cluster.addHost(name);
  const container = containerId();
  const agent = await SimAgent.connect(replicaUrl, token, {
    containers: [containerInfo(container, `${name}-app`)],
    incarnation,
  });
  return { hostId, token, container, agent };
}

/** POSTs an action from the dashboard's origin; the status and body. */
async function act(
  client: ApiClient,
  hostId: string,
  container: string,
  action: string,
): Promise<{ status: number; body: { outcome?: unknown; error?: { code: string } } }> {
  const res = await fetch(`${client.baseUrl}/api/hosts/${hostId}/containers/${container}/actions`, {
    method: "POST",
    headers: {
      cookie: client.cookie,
      origin: new URL(client.baseUrl).origin,
      "content-type": "application/json",
    },
    body: JSON.stringify({ action, options: {} }),
  });
  return { status: res.status, body: (await res.json()) as { outcome?: unknown; error?: { code: string } } };
}

/** Waits until the store knows the container (the inventory is stored), as seen from `client`'s replica. */
async function containerKnown(client: ApiClient, hostId: string, container: string): Promise<void> {
  await waitFor(`container ${container} stored`, async () => {
    const res = await fetch(`${client.baseUrl}/api/hosts/${hostId}/containers/${container}`, {
      headers: { cookie: client.cookie },
    });
    return res.status === 200;
  });
}

/** A replica's cluster report, whatever the status code (a degraded replica's comes with a 503). */
async function healthOf(
  client: ApiClient,
): Promise<{ degraded: string | null; rejected: Record<string, number> }> {
  const res = await fetch(`${client.baseUrl}/api/health/details`, { headers: { cookie: client.cookie } });
  return ((await res.json()) as { cluster: { degraded: string | null; rejected: Record<string, number> } })
    .cluster;
}

/** A plain NATS client with the replicas' credentials: what a stranger who got onto the bus could do. */
async function busClient(): Promise<NatsConnection> {
  const nc = await connect({ servers: cluster.nats.address, ...NATS_CREDENTIALS });
  onTestFinished(() => nc.close());
  return nc;
}

describe("replicas on one NATS bus", () => {
  it("the bus requires credentials: the replicas have them, a client without is refused, no log shows them", async () => {
    expect((await healthOf(adminA)).degraded).toBeNull();
    expect((await healthOf(await cluster.admin(1))).degraded).toBeNull();
    await expect(connect({ servers: cluster.nats.address, timeout: 5_000 })).rejects.toThrow(
      /Authorization/i,
    );
    await expect(
      connect({ servers: cluster.nats.address, user: "crowsnest", pass: "a guess", timeout: 5_000 }),
    ).rejects.toThrow(/Authorization/i);
    for (const replica of [A(), B()]) {
      expect(replica.process.output).toMatch(
        /"credentials":"user and password".*joined the cluster over NATS/,
      );
      expect(replica.process.output).not.toContain(NATS_CREDENTIALS.pass);
    }
  });

  it("a browser on A gets the log lines and metric samples of an agent held by B", async () => {
    const { hostId, container, agent } = await agentOn(B().agentUrl, "relayed");
    const browser = await browserOn(adminA);
    await browser.subscribe({ kind: "container", hostId, containerId: container });
    await until(async () => (await adminA.host(hostId)).online, "host online as seen on A");

    const t = Date.now();
    await agent.send({ type: "logs", lines: [logLine(container, t, "hello from B")], drops: [] }).acked;
    await agent.send({ type: "metrics", samples: [metricSample(container, t, 42.5)] }).acked;

    await until(
      () => browser.of("logs").some((m) => m.lines.some((l) => l.text === "hello from B")),
      "the log line on A",
    );
    await until(
      () => browser.of("metrics").some((m) => m.samples.some((s) => s.cpuPercent === 42.5)),
      "the metric sample on A",
    );
    // A's listing has B's latest sample too.
    await until(async () => {
      const res = await adminA.get<{ latest: { cpuPercent: number } | null }>(
        `/api/hosts/${hostId}/containers/${container}`,
      );
      return res.latest?.cpuPercent === 42.5;
    }, "B's latest sample in A's container read");
    await browser.close();
    await agent.close();
  });

  it("an action sent to A runs on B's agent; one for a host no replica holds is 409 at once", async () => {
    const { hostId, container, agent } = await agentOn(B().agentUrl, "acted");
    await containerKnown(adminA, hostId, container);
    await until(async () => (await adminA.host(hostId)).online, "host online as seen on A");

    const command = agent.next((m) => m.type === "command") as Promise<CommandMessage>;
    const answered = act(adminA, hostId, container, "restart");
    const { command: received } = await command;
    expect(received).toMatchObject({ containerId: container, action: "restart" });
    agent.sendRaw(
      JSON.stringify({
        type: "command_result",
        commandId: received.id,
        outcome: { ok: true, message: "restarted on B" },
      }),
    );
    const done = await answered;
    expect(done.status).toBe(200);
    expect(done.body.outcome).toEqual({ ok: true, message: "restarted on B" });

    await agent.close();
    await until(async () => !(await adminA.host(hostId)).online, "host offline as seen on A");
    // The command timeout is 10 min: only an immediate "no responder" lets this answer.
    const offline = await act(adminA, hostId, container, "restart");
    expect(offline.status).toBe(409);
    expect(offline.body.error?.code).toBe("agent_offline");
  });

  it("logging out on A closes that user's live socket on B", async () => {
    const onB = await cluster.admin(1);
    const browser = await browserOn(onB);
    await browser.subscribe({ kind: "fleet" });
    // The same session, logged out through replica A.
    const res = await fetch(`${A().baseUrl}/api/auth/logout`, {
      method: "POST",
      headers: { cookie: onB.cookie, origin: A().baseUrl },
    });
    expect(res.status).toBe(204);
    const closed = await browser.closed;
    expect(closed.code).toBe(CLOSE_CODES.revoked);
  });

  it("disabling a user on A closes every live socket of theirs on B", async () => {
    const created = await adminA.post<{ id: string }>("/api/users", {
      username: "watcher",
      password: "watcher-password-long",
      role: "VIEWER",
    });
    const watcherOnB = await ApiClient.login(B().baseUrl, "watcher", "watcher-password-long");
    const browser = await browserOn(watcherOnB);
    await browser.subscribe({ kind: "fleet" });
    const res = await fetch(`${adminA.baseUrl}/api/users/${created.id}`, {
      method: "PATCH",
      headers: { cookie: adminA.cookie, origin: adminA.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ disabled: true }),
    });
    expect(res.status).toBe(200);
    expect((await browser.closed).code).toBe(CLOSE_CODES.revoked);
  });

  it("a second connection of a host on A closes the one on B", async () => {
    const {
      hostId,
      token,
      container,
      agent: onB,
    } = await agentOn(B().agentUrl, "moved", "moved-incarnation-0001");
    await containerKnown(adminA, hostId, container);
    const onA = await SimAgent.connect(A().agentUrl, token, {
      containers: [containerInfo(container, "moved-app")],
      incarnation: "moved-incarnation-0001",
    });
    expect((await onB.closed).code).toBe(CLOSE_CODES.replaced);
    expect((await adminA.host(hostId)).online).toBe(true);
    // Commands now reach the connection on A, sent through B.
    const adminB = await cluster.admin(1);
    const command = onA.next((m) => m.type === "command") as Promise<CommandMessage>;
    const answered = act(adminB, hostId, container, "start");
    const { command: received } = await command;
    onA.sendRaw(
      JSON.stringify({
        type: "command_result",
        commandId: received.id,
        outcome: { ok: true, message: "on A" },
      }),
    );
    expect((await answered).body.outcome).toEqual({ ok: true, message: "on A" });
    await onA.close();
  });

  it("a second agent of another run on A is refused while the one on B answers (a clone)", async () => {
    const { token, agent: onB } = await agentOn(B().agentUrl, "cloned", "cloned-incarnation-0001");
    const clone = await SimAgent.open(A().agentUrl, token, { incarnation: "cloned-incarnation-0002" });
    clone.sendHello();
    expect((await clone.closed).code).toBe(CLOSE_CODES.duplicateAgent);
    expect(onB.ws.readyState).toBe(onB.ws.OPEN);
    await onB.close();
  });

  it("a host revoked on A has its agent closed on B", async () => {
    const { hostId, agent } = await agentOn(B().agentUrl, "revoked");
    await until(async () => (await adminA.host(hostId)).online, "host online as seen on A");
    const res = await fetch(`${adminA.baseUrl}/api/hosts/${hostId}/revoke`, {
      method: "POST",
      headers: { cookie: adminA.cookie, origin: adminA.baseUrl },
    });
    expect(res.status).toBe(204);
    expect((await agent.closed).code).toBe(CLOSE_CODES.revoked);
  });

  it("while NATS is down a replica stores its agents' data and says so; live crosses again after", async () => {
    const { hostId, container, agent } = await agentOn(A().agentUrl, "outage");
    const adminB = await cluster.admin(1);
    await until(async () => (await adminB.host(hostId)).online, "host online as seen on B");
    await cluster.nats.stop();
    // Back for the tests after this one even if this one fails half-way.
    onTestFinished(() => cluster.nats.start());
    await until(async () => (await healthOf(adminA)).degraded !== null, "A's health reporting the bus down");
    const t = Date.now();
    await agent.send({ type: "logs", lines: [logLine(container, t, "stored during the outage")], drops: [] })
      .acked;
    const stored = await adminA.allLogLines(hostId, container);
    expect(stored.map((l) => l.text)).toContain("stored during the outage");

    await cluster.nats.start();
    await until(
      async () => (await healthOf(adminA)).degraded === null,
      "A's health reporting the bus back",
      30_000,
    );
    const browser = await browserOn(adminB);
    await browser.subscribe({ kind: "container", hostId, containerId: container });
    await until(async () => (await adminB.host(hostId)).online, "host online on B again", 30_000);
    // Relayed frames sent before B's subscription took effect are lost (at-most-once): send until one arrives.
    await until(
      async () => {
        await agent.send({
          type: "logs",
          lines: [logLine(container, Date.now(), "after the outage")],
          drops: [],
        }).acked;
        return browser.of("logs").some((m) => m.lines.some((l) => l.text === "after the outage"));
      },
      "a line from A's agent on B after NATS came back",
      30_000,
    );
    await browser.close();
    await agent.close();
  });

  it("two replicas holding one host after an outage: the newer connection keeps it", async () => {
    const { hostId, token, agent: older } = await agentOn(A().agentUrl, "double", "double-incarnation-0001");
    const adminB = await cluster.admin(1);
    await until(async () => (await adminB.host(hostId)).online, "host online as seen on B");
    await cluster.nats.stop();
    onTestFinished(() => cluster.nats.start());
    await until(async () => (await healthOf(adminB)).degraded !== null, "B's health reporting the bus down");
    // B cannot reach A to claim the host: it attaches its own connection anyway.
    const newer = await SimAgent.connect(B().agentUrl, token, { incarnation: "double-incarnation-0001" });
    await cluster.nats.start();
    // Their presence snapshots meet: A's older connection is closed as replaced.
    expect((await older.closed).code).toBe(CLOSE_CODES.replaced);
    expect(newer.ws.readyState).toBe(newer.ws.OPEN);
    expect((await adminA.host(hostId)).online).toBe(true);
    await newer.close();
  });

  it("a malformed command request on the bus is answered with an error at once, and runs nothing", async () => {
    const { hostId, container, agent } = await agentOn(A().agentUrl, "malformed");
    const nc = await busClient();
    const requests = [
      "{not json",
      JSON.stringify({ containerId: container, action: "explode", options: {}, adminAuthorized: true }),
      JSON.stringify({ containerId: "not-a-container", action: "stop", options: {}, adminAuthorized: true }),
    ];
    for (const request of requests) {
      const started = performance.now();
      // The replicas' command timeout is 10 min: only an answer from the holder ends this in time.
      const reply = await nc.request(`cn.v1.agent.${hostId}.cmd`, request, { timeout: 5_000 });
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(reply.json()).toEqual({ ok: false, error: expect.stringMatching(/^malformed command request/) });
    }
    expect(agent.received.filter((m) => m.type === "command")).toEqual([]);
    expect((await healthOf(adminA)).rejected.command).toBeGreaterThanOrEqual(requests.length);
    await agent.close();
  });

  it("a presence snapshot dated in the future or on another replica's subject does not close the agent", async () => {
    const { hostId, container, agent } = await agentOn(A().agentUrl, "fenced", "fenced-incarnation-0001");
    await containerKnown(adminA, hostId, container);
    const before = (await healthOf(adminA)).rejected.presence ?? 0;
    const nc = await busClient();
    const claiming = (epoch: number, replica: string) =>
      JSON.stringify({ replica, hosts: [{ hostId, epoch, clockOffsetMs: null }] });
    // The red team's: an epoch far in the future from a made-up replica.
    nc.publish("cn.v1.presence.evil", claiming(8e15, "evil"));
    // A well-formed replica id, an hour ahead of the replicas' clocks.
    nc.publish("cn.v1.presence.r1-0badc0de", claiming(Date.now() + 3_600_000, "r1-0badc0de"));
    // A plausible epoch, but published on another replica's subject.
    nc.publish("cn.v1.presence.r2-0badc0de", claiming(Date.now() + 1_000, "r1-0badc0de"));
    await nc.flush();
    await until(
      async () => ((await healthOf(adminA)).rejected.presence ?? 0) >= before + 3,
      "the three snapshots dropped on A",
    );
    const closed = await Promise.race([agent.closed, new Promise((r) => setTimeout(() => r(null), 1_000))]);
    expect(closed).toBeNull();
    // Still A's: an action reaches it.
    const command = agent.next((m) => m.type === "command") as Promise<CommandMessage>;
    const answered = act(adminA, hostId, container, "start");
    const { command: received } = await command;
    agent.sendRaw(
      JSON.stringify({
        type: "command_result",
        commandId: received.id,
        outcome: { ok: true, message: "here" },
      }),
    );
    expect((await answered).body.outcome).toEqual({ ok: true, message: "here" });
    await agent.close();
  });

  it("killing B makes its hosts offline on A", async () => {
    const { hostId } = await agentOn(B().agentUrl, "orphaned");
    await until(async () => (await adminA.host(hostId)).online, "host online as seen on A");
    await B().process.kill("SIGKILL");
    await until(async () => !(await adminA.host(hostId)).online, "B's host offline on A", 30_000);
  });
});
