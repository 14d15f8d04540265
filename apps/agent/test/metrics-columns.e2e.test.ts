import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { removeTestContainers, runContainer } from "./helpers/docker.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "columns-test-token-0123456789abcdef";

describe("the agent's metrics batches on the wire (real Docker, real agent process)", () => {
  const servers = {
    columns: new FakeServer({ token: TOKEN, metricsColumns: true }),
    rows: new FakeServer({ token: TOKEN }),
  };
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    await removeTestContainers();
    for (const server of Object.values(servers)) await server.start();
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop("SIGKILL");
    for (const server of Object.values(servers)) await server.stop();
    await removeTestContainers();
  });

  it("go as columns to a server that takes them and as rows to one before them, each holding the container's samples", async () => {
    const id = await runContainer({ command: ["sh", "-c", "while :; do sleep 1; done"] });
    for (const server of Object.values(servers)) {
      agents.push(
        AgentProcess.start({ serverUrl: server.url, token: TOKEN, stateDir: await tempStateDir() }),
      );
    }
    const samplesOf = (server: FakeServer) =>
      server
        .storedOf("metrics")
        .flatMap((batch) => batch.samples)
        .filter((s) => s.containerId === id);
    for (const server of Object.values(servers))
      await server.waitFor(() => samplesOf(server).length >= 2, 30_000);

    const sent = (server: FakeServer) =>
      new Set(server.received.filter((m) => m.type.startsWith("metrics")).map((m) => m.type));
    expect(sent(servers.columns)).toEqual(new Set(["metrics_columns"]));
    expect(sent(servers.rows)).toEqual(new Set(["metrics"]));
    for (const server of Object.values(servers)) {
      const [sample] = samplesOf(server);
      expect(sample).toMatchObject({
        containerId: id,
        onlineCpus: expect.any(Number),
        pids: expect.any(Number),
      });
      expect(sample?.t).toBeGreaterThan(Date.now() - 60_000);
    }
  });
});
