import type { Welcome } from "@crowsnest/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AuthTestServer } from "../auth/support/auth-server.ts";
import { controlStore } from "../support/control-store.ts";
import { until } from "../support/live-socket.ts";
import { containerInfo, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";

/**
 * A host is online once its agent's link is admitted, while its hello is still stored through the
 * write queue; the agent takes no message before its welcome (apps/agent's connection ignores it).
 * An action in that window must reach the agent after the welcome, not be lost to a timeout.
 */
describe("an action sent while the agent's hello waits for the store", () => {
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
    if (command.type !== "command") throw new Error("not a command");
    agent.sendRaw(
      JSON.stringify({
        type: "command_result",
        commandId: command.command.id,
        outcome: { ok: true, message: "restarted" },
      }),
    );
    expect((await action).status).toBe(200);
    await agent.close();
  });
});
