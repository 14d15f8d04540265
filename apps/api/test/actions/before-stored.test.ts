import type { ServerToAgentMessage, Welcome } from "@crowsnest/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AuthTestServer } from "../auth/support/auth-server.ts";
import { controlStore } from "../support/control-store.ts";
import { LiveSocket, until } from "../support/live-socket.ts";
import { containerInfo, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";

/**
 * The server shows what an agent sent (a host online, a container created) before its write, queued
 * behind others (here the store is held), is stored. What a user does in that window must not fail:
 * - A host is online once its agent's link is admitted, while its hello waits for the store; the
 *   agent takes no message before its welcome (apps/agent's connection ignores it). An action then
 *   must reach the agent after the welcome, not be lost to a timeout.
 * - A browser shows a container from its live `create` event. Opening it and acting on it at once
 *   must find it once it is stored, not answer 404 for a container the user sees.
 */
describe("actions and reads while what the agent sent waits for the store", () => {
  let srv: AuthTestServer;
  let admin: string;
  beforeAll(async () => {
    srv = await AuthTestServer.start({ commandTimeoutMs: 20_000 });
    await srv.addUser("admin", "ADMIN");
    admin = await srv.login("admin");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await srv?.close();
  });

  it("reaches the agent after its welcome, and the action succeeds", async () => {
    const created = await srv.http("POST", "/api/hosts", { cookie: admin, body: { name: "slow-hello" } });
    const hostId = created.body.host.id as string;
    const id = newContainerId();
    const first = await SimAgent.connect(`${srv.wsUrl}/ws/agent`, created.body.enrolmentToken, {
      containers: [containerInfo(id, "app")],
    });
    const { credential } = first.received.find((m): m is Welcome => m.type === "welcome") ?? {};
    await until(async () => (await srv.store.containers.get(hostId, id)) !== null, "the inventory stored");
    await first.close();
    await until(() => !srv.server.ctx.agents.isOnline(hostId), "the first connection gone");

    const store = controlStore(srv);
    store.hold();
    const agent = await SimAgent.open(`${srv.wsUrl}/ws/agent`, credential as string);
    agent.sendHello();
    await until(() => srv.server.ctx.agents.isOnline(hostId), "the host online, its hello held");
    const action = srv.http("POST", `/api/hosts/${hostId}/containers/${id}/actions`, {
      cookie: admin,
      body: { action: "restart", options: {} },
    });
    await until(async () => {
      const audit = await srv.http("GET", `/api/audit?host=${hostId}&action=restart`, { cookie: admin });
      return audit.body.entries.some((e: { result: string }) => e.result === "allowed");
    }, "the action allowed and sent");
    expect(agent.received.map((m) => m.type)).toEqual([]);

    store.release();
    const command = await agent.next((m) => m.type === "command");
    expect(agent.received.map((m) => m.type).slice(0, 2)).toEqual(["welcome", "command"]);
    answerCommand(agent, command);
    expect((await action).status).toBe(200);
    await agent.close();
  });

  it("is answered and acted on once its event is stored; one never sent is still a 404", async () => {
    const created = await srv.http("POST", "/api/hosts", { cookie: admin, body: { name: "fresh" } });
    const hostId = created.body.host.id as string;
    const agent = await SimAgent.connect(`${srv.wsUrl}/ws/agent`, created.body.enrolmentToken, {
      containers: [],
    });
    const live = await LiveSocket.open(`${srv.wsUrl}/ws/live`, { cookie: admin, origin: srv.baseUrl });
    await live.subscribe({ kind: "host", hostId });

    const store = controlStore(srv);
    store.hold();
    const id = newContainerId();
    const stored = agent.send({
      type: "events",
      events: [
        {
          containerId: id,
          action: "create",
          time: Date.now(),
          exitCode: null,
          container: containerInfo(id, "web"),
        },
      ],
    }).acked;
    await until(() => live.of("event").length === 1, "the create event shown live");
    expect(await srv.store.containers.get(hostId, id)).toBeNull();

    const find = vi.spyOn(srv.store.containers, "find");
    const get = vi.spyOn(srv.store.containers, "get");
    const page = srv.http("GET", `/api/hosts/${hostId}/containers/${id}`, { cookie: admin });
    const action = srv.http("POST", `/api/hosts/${hostId}/containers/${id}/actions`, {
      cookie: admin,
      body: { action: "restart", options: {} },
    });
    const unknown = newContainerId();
    const missing = srv.http("GET", `/api/hosts/${hostId}/containers/${unknown}`, { cookie: admin });
    const missingAction = srv.http("POST", `/api/hosts/${hostId}/containers/${unknown}/actions`, {
      cookie: admin,
      body: { action: "restart", options: {} },
    });
    // Both requests looked the container up while its event waited for the store.
    await until(() => find.mock.calls.length >= 2 && get.mock.calls.length >= 2, "the lookups made");
    const commanded = agent.next((m) => m.type === "command");
    store.release();
    await stored;

    const shown = await page;
    expect(shown.status).toBe(200);
    expect(shown.body.id).toBe(id);
    expect((await missing).status).toBe(404);
    expect((await missingAction).status).toBe(404);
    const command = await commanded;
    expect(answerCommand(agent, command)).toBe(id);
    expect((await action).status).toBe(200);
    await live.close();
    await agent.close();
  });
});

/** Answers a command as carried out; returns its container's id. */
function answerCommand(agent: SimAgent, command: ServerToAgentMessage): string {
  if (command.type !== "command") throw new Error(`expected a command, got ${command.type}`);
  agent.sendRaw(
    JSON.stringify({
      type: "command_result",
      commandId: command.command.id,
      outcome: { ok: true, message: "restarted" },
    }),
  );
  return command.command.containerId;
}
