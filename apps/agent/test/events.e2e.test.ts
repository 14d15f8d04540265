import type { ContainerEvent } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { createContainer, docker, removeTestContainers, runContainer } from "./helpers/docker.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "events-test-token-0123456789abcdef";

describe("container events from a real Docker Engine", () => {
  const server = new FakeServer({ token: TOKEN });
  let agent: AgentProcess;
  let stateDir: string;

  beforeAll(async () => {
    await removeTestContainers();
    await server.start();
    stateDir = await tempStateDir();
    agent = AgentProcess.start({ serverUrl: server.url, token: TOKEN, stateDir });
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"));
  });

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
    await removeTestContainers();
  });

  const eventsOf = (id: string): ContainerEvent[] =>
    server.storedOf("events").flatMap((batch) => batch.events.filter((e) => e.containerId === id));

  const waitForEvent = (id: string, action: ContainerEvent["action"]) =>
    server.waitFor(() => eventsOf(id).find((e) => e.action === action));

  it("says hello with the protocol version and this host's Docker", () => {
    const hello = server.received.find((m) => m.type === "hello");
    expect(hello).toMatchObject({ type: "hello", protocolVersion: 1, host: { dockerApiVersion: "1.41" } });
  });

  it("reports create, start and die with the exit code and the container's state", async () => {
    const id = await createContainer({
      command: ["sh", "-c", "sleep 1; exit 7"],
      args: ["--label", "com.docker.compose.project=shop", "--label", "com.docker.compose.service=web"],
    });
    const created = await waitForEvent(id, "create");
    expect(created.container).toMatchObject({
      id,
      state: "created",
      composeProject: "shop",
      composeService: "web",
    });
    await docker("start", id);
    const started = await waitForEvent(id, "start");
    expect(started.container?.state).toBe("running");
    const died = await waitForEvent(id, "die");
    expect(died.exitCode).toBe(7);
    expect(died.container).toMatchObject({ state: "exited", exitCode: 7 });
  });

  it("reports stop, kill, pause and unpause", async () => {
    const id = await runContainer({ command: ["sleep", "1000"] });
    await docker("pause", id);
    expect((await waitForEvent(id, "pause")).container?.state).toBe("paused");
    await docker("unpause", id);
    expect((await waitForEvent(id, "unpause")).container?.state).toBe("running");
    await docker("stop", "-t", "1", id); // sleep as pid 1 ignores SIGTERM: Docker kills it after 1 s
    const stopped = await waitForEvent(id, "stop");
    expect(stopped.container).toMatchObject({ state: "exited", exitCode: 137 });
    expect((await waitForEvent(id, "die")).exitCode).toBe(137);

    const other = await runContainer({ command: ["sleep", "1000"] });
    await docker("kill", "--signal", "KILL", other);
    await waitForEvent(other, "kill");
    expect((await waitForEvent(other, "die")).exitCode).toBe(137);
  });

  it("reports rename, restart and health_status with the container as it is afterwards", async () => {
    const id = await runContainer({
      command: ["sleep", "1000"],
      args: ["--health-cmd", "true", "--health-interval", "1s"],
    });
    const newName = `crowsnest-renamed-${id.slice(0, 12)}`;
    await docker("rename", id, newName);
    expect((await waitForEvent(id, "rename")).container?.names).toEqual([newName]);
    const healthy = await waitForEvent(id, "health_status");
    expect(healthy.container?.health).toBe("healthy");
    await docker("restart", "-t", "0", id);
    expect((await waitForEvent(id, "restart")).container?.state).toBe("running");
  });

  it("reports oom when a container exceeds its memory limit", async () => {
    // 100 MB through `sort` in a 16 MiB container without swap: the kernel's OOM killer ends it.
    const id = await runContainer({
      command: ["sh", "-c", "head -c 100000000 /dev/zero | tr '\\0' a | sort > /dev/null"],
      args: ["--memory", "16m", "--memory-swap", "16m"],
    });
    expect((await waitForEvent(id, "oom")).containerId).toBe(id);
    await waitForEvent(id, "die");
  });

  it("reports destroy with no container, and the inventory after a reconnect no longer lists it", async () => {
    const id = await runContainer({ command: ["sleep", "1000"] });
    await waitForEvent(id, "start");
    await docker("rm", "-f", id);
    const destroyed = await waitForEvent(id, "destroy");
    expect(destroyed.container).toBeNull();

    const inventories = () => server.received.filter((m) => m.type === "inventory").length;
    const before = inventories();
    await server.restart();
    const snapshot = await server.waitFor(() => {
      const all = server.received.filter((m) => m.type === "inventory");
      return all.length > before ? all.at(-1) : undefined;
    });
    expect(snapshot.containers.map((c) => c.id)).not.toContain(id);
  });

  it("events that happen while the agent is stopped arrive after it restarts, and none twice", async () => {
    const before = await runContainer({ command: ["sleep", "1000"] });
    await waitForEvent(before, "start");
    expect(await agent.stop()).toBe(0);

    const during = await runContainer({ command: ["sh", "-c", "exit 5"] });
    await docker("wait", during);
    agent = AgentProcess.start({ serverUrl: server.url, token: TOKEN, stateDir });
    expect((await waitForEvent(during, "die")).exitCode).toBe(5);
    expect(eventsOf(during).map((e) => e.action)).toEqual(["create", "start", "die"]);
    // Replayed from Docker's buffer from the saved position: what was sent before is not sent again.
    await docker("stop", "-t", "0", before);
    await waitForEvent(before, "stop");
    expect(eventsOf(before).filter((e) => e.action === "start")).toHaveLength(1);
  });
});
