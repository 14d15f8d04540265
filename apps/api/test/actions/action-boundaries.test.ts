import { randomUUID } from "node:crypto";
import { PROTECTED_LABEL } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { runContainer } from "../../../../test/support/containers.ts";
import { AuthTestServer } from "../auth/support/auth-server.ts";
import {
  containerState,
  docker,
  removeTestContainers,
  requireDocker,
  runTestContainer,
} from "../auth/support/docker.ts";
import { RealAgent, waitFor } from "../auth/support/real-agent.ts";
import { upgradeStatus } from "../auth/support/upgrade-status.ts";
import { containerInfo } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";

// What must never reach an agent: forbidden actions by other routes (WebSocket frames), ids of
// another host's containers, malformed ids; and the answers when the agent is away or silent.
let srv: AuthTestServer;
let agent: RealAgent;
let hostA: string;
let hostB: string;
let simB: SimAgent;
let target: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  await requireDocker();
  srv = await AuthTestServer.start({ commandTimeoutMs: 1_500 });
  for (const role of ["ADMIN", "OPERATOR", "VIEWER"] as const) {
    const name = role.toLowerCase();
    await srv.addUser(name, role);
    cookies[role] = await srv.login(name);
  }
  target = (await runTestContainer("auth-boundary-target", { [PROTECTED_LABEL]: "true" })).id;
  const a = await srv.http("POST", "/api/hosts", { cookie: cookies.ADMIN, body: { name: "real" } });
  hostA = a.body.host.id;
  agent = RealAgent.start(srv.wsUrl, a.body.enrolmentToken);
  await agent.until("the agent to come online", () => srv.server.ctx.agents.isOnline(hostA));
  await waitFor(
    "the target in the store",
    async () => (await srv.store.containers.get(hostA, target)) !== null,
  );

  // Host B: a protocol-level agent that records what it receives and never answers commands.
  const b = await srv.http("POST", "/api/hosts", { cookie: cookies.ADMIN, body: { name: "silent" } });
  hostB = b.body.host.id;
  simB = await SimAgent.connect(`${srv.wsUrl}/ws/agent`, b.body.enrolmentToken, {
    containers: [containerInfo("b".repeat(64), "b-only")],
  });
  await waitFor(
    "host B's inventory",
    async () => (await srv.store.containers.get(hostB, "b".repeat(64))) !== null,
  );
});
afterAll(async () => {
  await simB?.close();
  await agent?.dispose();
  await srv?.close();
  await removeTestContainers();
});

const commandsTo = (sim: SimAgent) => sim.received.filter((m) => m.type === "command");
const auditCount = async () =>
  (await srv.http("GET", "/api/audit?limit=500", { cookie: cookies.ADMIN })).body.entries.length as number;

describe("a VIEWER and an OPERATOR cannot reach a forbidden action", () => {
  it.each(["VIEWER", "OPERATOR"] as const)("%s: not through /ws/live frames", async (role) => {
    const ws = new WebSocket(`${srv.wsUrl}/ws/live`, {
      headers: { cookie: cookies[role] ?? "", origin: srv.baseUrl },
    });
    const replies: { type: string; code?: string }[] = [];
    ws.on("message", (data: Buffer) => replies.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const frames = [
      {
        type: "command",
        command: {
          id: randomUUID(),
          containerId: target,
          action: "stop",
          options: {},
          adminAuthorized: true,
        },
      },
      { type: "action", hostId: hostA, containerId: target, action: "kill", options: {} },
      {
        type: "subscribe",
        topic: { kind: "container", hostId: hostA, containerId: target },
        action: "remove",
      },
    ];
    for (const frame of frames) ws.send(JSON.stringify(frame));
    await waitFor(
      "an error for every frame",
      () => replies.filter((r) => r.type === "error").length >= frames.length,
    );
    ws.close();
    expect(await containerState(target)).toBe("running");
  });

  it.each(["VIEWER", "OPERATOR"] as const)("%s: not by posing as an agent on /ws/agent", async (role) => {
    const cookie = cookies[role] ?? "";
    const sessionToken = cookie.split("=")[1] ?? "";
    expect(await upgradeStatus(`${srv.wsUrl}/ws/agent`, { cookie, origin: srv.baseUrl })).toBe(401);
    expect(await upgradeStatus(`${srv.wsUrl}/ws/agent`, { authorization: `Bearer ${sessionToken}` })).toBe(
      401,
    );
  });

  it.each(["VIEWER", "OPERATOR"] as const)(
    "%s: not over REST, where the refusal is audited",
    async (role) => {
      const res = await srv.http("POST", `/api/hosts/${hostA}/containers/${target}/actions`, {
        cookie: cookies[role],
        body: { action: "stop", options: {} },
      });
      expect(res.status).toBe(403);
      expect(await containerState(target)).toBe("running");
    },
  );
});

describe("a container id", () => {
  it("of another host gets 404 and reaches no agent", async () => {
    const before = commandsTo(simB).length;
    const res = await srv.http("POST", `/api/hosts/${hostB}/containers/${target}/actions`, {
      cookie: cookies.ADMIN,
      body: { action: "kill", options: {} },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
    expect(commandsTo(simB).length).toBe(before);
    expect(await containerState(target)).toBe("running");
    const [last] = (await srv.http("GET", `/api/audit?host=${hostB}&limit=1`, { cookie: cookies.ADMIN })).body
      .entries;
    expect(last).toMatchObject({
      containerId: target,
      result: "denied",
      reason: "no such container on this host",
    });
  });

  it("that is malformed, or a request with options foreign to its action, gets 400 naming the field, reaches no agent and writes no audit row", async () => {
    const before = await auditCount();
    for (const bad of [
      "abc",
      target.slice(0, 12),
      `${target.slice(0, 63)}G`,
      "auth-boundary-target",
      `${target}0`,
    ]) {
      const res = await srv.http("POST", `/api/hosts/${hostA}/containers/${bad}/actions`, {
        cookie: cookies.ADMIN,
        body: { action: "kill", options: {} },
      });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.field).toBe("params.containerId");
    }
    const badBody = await srv.http("POST", `/api/hosts/${hostA}/containers/${target}/actions`, {
      cookie: cookies.ADMIN,
      body: { action: "exec", options: {} },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.field).toBe("body.action");
    // An option that does not belong to the action is refused, not silently ignored.
    for (const [action, options, field] of [
      ["start", { signal: "SIGKILL" }, "body.options.signal"],
      ["kill", { timeoutSeconds: 1 }, "body.options.timeoutSeconds"],
      ["stop", { force: true }, "body.options.force"],
      ["kill", { signal: "now" }, "body.options.signal"],
    ] as const) {
      const res = await srv.http("POST", `/api/hosts/${hostA}/containers/${target}/actions`, {
        cookie: cookies.ADMIN,
        body: { action, options },
      });
      expect(res.status, `${action} ${JSON.stringify(options)}`).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect(await auditCount()).toBe(before);
    expect(await containerState(target)).toBe("running");
  });
});

describe("when the agent cannot answer", () => {
  it("a silent agent gets 504 agent_timeout, audited as failed", async () => {
    const res = await srv.http("POST", `/api/hosts/${hostB}/containers/${"b".repeat(64)}/actions`, {
      cookie: cookies.ADMIN,
      body: { action: "restart", options: {} },
    });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe("agent_timeout");
    const [command] = commandsTo(simB);
    expect(command).toMatchObject({
      command: { containerId: "b".repeat(64), action: "restart", adminAuthorized: true },
    });
    const [failed, allowedRow] = (
      await srv.http("GET", `/api/audit?host=${hostB}&limit=2`, { cookie: cookies.ADMIN })
    ).body.entries;
    expect(allowedRow).toMatchObject({ result: "allowed", action: "restart" });
    expect(failed).toMatchObject({ result: "failed", reason: expect.stringContaining("did not answer") });
  });

  it("a stop waits for the grace period it asked Docker for, beyond the usual answer time", async () => {
    // `sleep` as PID 1 ignores SIGTERM: Docker answers the stop only when it kills, 3 s later,
    // which is after the 1.5 s this server waits for an answer to other commands.
    const stubborn = await runContainer({ label: "crowsnest.test=auth", command: ["sleep", "1000"] });
    try {
      await waitFor(
        "the container in the store",
        async () => (await srv.store.containers.get(hostA, stubborn)) !== null,
      );
      const res = await srv.http("POST", `/api/hosts/${hostA}/containers/${stubborn}/actions`, {
        cookie: cookies.ADMIN,
        body: { action: "stop", options: { timeoutSeconds: 3 } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.outcome).toEqual({ ok: true, message: "stopped" });
      expect(await containerState(stubborn)).toBe("exited");
    } finally {
      await docker("rm", "-f", stubborn);
    }
  });

  it("the agent still refuses when the server's view of the label is stale", async () => {
    // The server last heard the target as unprotected (its stored labels edited to say so); Docker
    // still has the label. The OPERATOR's stop passes the server's check; the agent reads Docker's
    // label at that moment and refuses, since the command is not admin-authorized.
    const stored = await srv.store.containers.list(hostA);
    const containers = stored.map(({ info }) => (info.id === target ? { ...info, labels: {} } : info));
    await srv.store.telemetry.write([
      {
        kind: "inventory",
        hostId: hostA,
        at: Date.now(),
        snapshot: { type: "inventory", time: Date.now(), containers },
      },
    ]);
    const res = await srv.http("POST", `/api/hosts/${hostA}/containers/${target}/actions`, {
      cookie: cookies.OPERATOR,
      body: { action: "stop", options: { timeoutSeconds: 0 } },
    });
    expect(res.status).toBe(200);
    expect(res.body.outcome).toMatchObject({ ok: false, error: { code: "protected" } });
    expect(await containerState(target)).toBe("running");
    const [failed] = (
      await srv.http("GET", `/api/audit?container=${target}&limit=1`, { cookie: cookies.ADMIN })
    ).body.entries;
    expect(failed).toMatchObject({
      result: "failed",
      username: "operator",
      reason: expect.stringMatching(/^protected:/),
    });
  });

  it("an offline agent gets 409 agent_offline", async () => {
    await agent.stop();
    await waitFor("host A to go offline", () => !srv.server.ctx.agents.isOnline(hostA));
    const res = await srv.http("POST", `/api/hosts/${hostA}/containers/${target}/actions`, {
      cookie: cookies.OPERATOR,
      body: { action: "start", options: {} },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("agent_offline");
  });
});
