import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Command } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOSTILE_PROTECTED_LABELS } from "../../../test/support/protected-labels.ts";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { docker, removeTestContainers, runContainer } from "./helpers/docker.ts";
import { FakeServer } from "./helpers/fake-server.ts";
import { RecordingProxy } from "./helpers/recording-proxy.ts";

const TOKEN = "commands-test-token-0123456789abcdef";

function command(containerId: string, action: Command["action"], extra: Partial<Command> = {}): Command {
  return { id: randomUUID(), containerId, action, options: {}, adminAuthorized: false, ...extra };
}

const stateOf = async (id: string) => docker("inspect", "--format", "{{.State.Status}}", id);

describe("commands run against a real Docker Engine", () => {
  const server = new FakeServer({ token: TOKEN });
  const proxy = new RecordingProxy();
  let agent: AgentProcess;

  beforeAll(async () => {
    await removeTestContainers();
    await server.start();
    const stateDir = await tempStateDir();
    const socket = join(stateDir, "docker-proxy.sock");
    await proxy.listen(socket);
    agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir,
      extra: ["--docker-host", `unix://${socket}`],
    });
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"));
  });

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
    await proxy.close();
    await removeTestContainers();
  });

  it("refuses to stop a protected container without admin authorization, and stops it with it", async () => {
    const id = await runContainer({
      args: ["--label", "com.docker.dashboard.protected=true"],
      command: ["sleep", "1000"],
    });
    const refused = await server.sendCommand(command(id, "stop", { options: { timeoutSeconds: 0 } }));
    expect(refused).toMatchObject({ ok: false, error: { code: "protected" } });
    expect(await stateOf(id)).toBe("running");

    const allowed = await server.sendCommand(
      command(id, "stop", { options: { timeoutSeconds: 0 }, adminAuthorized: true }),
    );
    expect(allowed).toEqual({ ok: true, message: "stopped" });
    expect(await stateOf(id)).toBe("exited");
  });

  it.each(HOSTILE_PROTECTED_LABELS)(
    "re-checks the label spelled --label %s itself: stop and pause refused without admin authorization",
    async (label) => {
      const id = await runContainer({ args: ["--label", label], command: ["sleep", "1000"] });
      const [key, value = ""] = label.split("=");
      for (const action of ["stop", "pause"] as const) {
        const refused = await server.sendCommand(command(id, action, { options: { timeoutSeconds: 0 } }));
        expect(refused).toMatchObject({
          ok: false,
          error: {
            code: "protected",
            message: `container is labelled ${key}=${JSON.stringify(value)}; ${action} needs an administrator`,
          },
        });
        expect(await stateOf(id)).toBe("running");
      }
    },
  );

  it("runs start, pause, unpause, kill and remove, and answers no such container, already in that state, or Docker's text", async () => {
    const id = await runContainer({ command: ["sleep", "1000"] });
    expect(await server.sendCommand(command(id, "start"))).toMatchObject({
      ok: false,
      error: { code: "already_in_state" },
    });
    expect(await server.sendCommand(command(id, "pause"))).toMatchObject({ ok: true });
    expect(await stateOf(id)).toBe("paused");
    expect(await server.sendCommand(command(id, "pause"))).toEqual({
      ok: false,
      error: { code: "already_in_state", message: "container is already paused" },
    });
    expect(await server.sendCommand(command(id, "unpause"))).toMatchObject({ ok: true });
    expect(await server.sendCommand(command(id, "unpause"))).toEqual({
      ok: false,
      error: { code: "already_in_state", message: "container is already running" },
    });
    expect(await server.sendCommand(command(id, "kill", { options: { signal: "SIGKILL" } }))).toMatchObject({
      ok: true,
    });
    expect(await stateOf(id)).toBe("exited");
    expect(await server.sendCommand(command(id, "pause"))).toMatchObject({
      ok: false,
      error: { code: "docker_error", message: expect.stringContaining("not running") },
    });
    expect(await server.sendCommand(command(id, "remove"))).toEqual({ ok: true, message: "removed" });
    expect(await server.sendCommand(command(id, "remove"))).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });

  it("removes a running container only with force, and passes kill's signal and stop's timeout to Docker", async () => {
    const id = await runContainer({ command: ["sleep", "1000"] });
    expect(await server.sendCommand(command(id, "remove"))).toMatchObject({
      ok: false,
      error: { code: "docker_error", message: expect.stringMatching(/running container/i) },
    });
    expect(await stateOf(id)).toBe("running");
    expect(await server.sendCommand(command(id, "remove", { options: { force: true } }))).toEqual({
      ok: true,
      message: "removed",
    });

    const other = await runContainer({ command: ["sleep", "1000"] });
    // sleep as PID 1 has no handler for SIGUSR1 and ignores it; SIGKILL cannot be ignored.
    expect(
      await server.sendCommand(command(other, "kill", { options: { signal: "SIGUSR1" } })),
    ).toMatchObject({
      ok: true,
    });
    expect(await stateOf(other)).toBe("running");
    // sleep ignores SIGTERM too, so a stop ends in SIGKILL (137) either way: only the wait tells a
    // timeout of 0 from Docker's default of 10 s. Both the request Docker got and the time are checked.
    const stopAt = Date.now();
    expect(await server.sendCommand(command(other, "stop", { options: { timeoutSeconds: 0 } }))).toEqual({
      ok: true,
      message: "stopped",
    });
    const stopTook = Date.now() - stopAt;
    expect(
      proxy.requests.filter((r) => r.at >= stopAt && r.path.startsWith(`/containers/${other}/stop`)),
    ).toEqual([expect.objectContaining({ method: "POST", path: `/containers/${other}/stop?t=0` })]);
    expect(stopTook).toBeLessThan(5_000);
    expect(await docker("inspect", "--format", "{{.State.ExitCode}}", other)).toBe("137");
  });

  it("refuses an id like ../containers/json before Docker sees it", async () => {
    const sentAt = Date.now();
    const commandId = randomUUID();
    server.sendRaw(
      JSON.stringify({
        type: "command",
        command: {
          id: commandId,
          containerId: "../containers/json",
          action: "stop",
          options: {},
          adminAuthorized: true,
        },
      }),
    );
    const outcome = await server.commandResult(commandId);
    expect(outcome).toMatchObject({ ok: false, error: { code: "invalid" } });
    const after = proxy.requests.filter((r) => r.at >= sentAt);
    expect(after.filter((r) => r.path.includes("..") || /%2e/i.test(r.path))).toEqual([]);
    expect(after.filter((r) => r.path.startsWith("/containers/json"))).toEqual([]);
    // The proxy did see the agent's earlier requests, so it was really in the path.
    expect(proxy.requests.some((r) => r.path.startsWith("/containers/json"))).toBe(true);
  });

  it("accepts only the seven actions", async () => {
    const id = await runContainer({ command: ["sleep", "1000"] });
    const commandId = randomUUID();
    server.sendRaw(
      JSON.stringify({
        type: "command",
        command: { id: commandId, containerId: id, action: "exec", options: {}, adminAuthorized: true },
      }),
    );
    expect(await server.commandResult(commandId)).toMatchObject({ ok: false, error: { code: "invalid" } });
    expect(await stateOf(id)).toBe("running");
  });
});
