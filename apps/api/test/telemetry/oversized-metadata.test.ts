import { type ContainerInfo, type ContainerView, LIMITS } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerInfo, containerId as newContainerId } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

/** The 9,000-char label of issue 22, beside the protected label spelled in another case. */
function oversized(id: string): ContainerInfo {
  return containerInfo(id, "oversized", {
    note: "x".repeat(9_000),
    "com.docker.dashboard.Protected": "true",
  });
}

/** A 1,025-port range as an agent that does not summarise ports sends it: one entry per port. */
function portRange(id: string): ContainerInfo {
  return {
    ...containerInfo(id, "port-range"),
    ports: Array.from({ length: 1_025 }, (_, i) => ({
      privatePort: 10_000 + i,
      publicPort: 10_000 + i,
      protocol: "udp" as const,
      ip: "0.0.0.0",
    })),
  };
}

/** Not a size problem: a field of the wrong kind, which no cutting can mend. */
function unreadable(id: string): unknown {
  return { ...containerInfo(id, "unreadable"), state: "sleeping" };
}

describe("a container past the protocol's limits (protocol-level agent, real server)", () => {
  let server: TelemetryServer;
  beforeAll(async () => {
    server = await TelemetryServer.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  async function listed(hostId: string, count: number): Promise<Map<string, ContainerView>> {
    let list: ContainerView[] = [];
    await expect
      .poll(async () => {
        list = (await server.get<ContainerView[]>(`/api/hosts/${hostId}/containers`)).body;
        return list.length;
      })
      .toBe(count);
    return new Map(list.map((c) => [c.id, c]));
  }

  it("stores every other container of the inventory and of an events batch, cutting or refusing only the offender", async () => {
    const { token, hostId } = await server.addHost("oversized");
    const normal = newContainerId();
    const big = newContainerId();
    const ports = newContainerId();
    const broken = newContainerId();
    const later = newContainerId();
    const agent = await SimAgent.open(server.agentUrl, token);
    await agent.hello();
    agent.sendRaw(
      JSON.stringify({
        type: "inventory",
        time: Date.now(),
        containers: [oversized(big), unreadable(broken), containerInfo(normal, "normal"), portRange(ports)],
      }),
    );

    const first = await listed(hostId, 3);
    expect([...first.keys()].sort()).toEqual([normal, big, ports].sort());
    const cut = first.get(big);
    expect(cut?.labels.note).toHaveLength(LIMITS.labelValueChars);
    expect(cut?.labels.note?.endsWith("…[cut from 9000 chars]")).toBe(true);
    expect(cut?.labels["com.docker.dashboard.Protected"]).toBe("true");
    expect(cut?.metadataNote).toContain('label "note" (9000 chars)');
    expect(first.get(ports)?.ports).toEqual([
      { privatePort: 10_000, privatePortEnd: 11_024, publicPort: 10_000, protocol: "udp", ip: "0.0.0.0" },
    ]);
    expect(first.get(normal)?.metadataNote).toBeUndefined();

    // One events batch: the unreadable container's event, a new container with 600 labels, and the oversized one again.
    const manyLabels = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, "v"]));
    const event = (containerId: string, container: unknown) => ({
      containerId,
      action: "start",
      time: Date.now(),
      exitCode: null,
      container,
    });
    const acked = agent.next((m) => m.type === "ack" && m.seq === 1);
    agent.sendRaw(
      JSON.stringify({
        type: "events",
        seq: 1,
        events: [
          event(broken, unreadable(broken)),
          event(later, containerInfo(later, "later", manyLabels)),
          event(big, oversized(big)),
        ],
      }),
    );
    await acked;
    const second = await listed(hostId, 4);
    expect(Object.keys(second.get(later)?.labels ?? {})).toHaveLength(LIMITS.labelsPerContainer);
    expect(second.get(later)?.metadataNote).toContain("88 labels past 512 labels");
    expect(second.has(broken)).toBe(false);

    expect(agent.received.filter((m) => m.type === "error")).toEqual([]);
    expect(server.server.ctx.counters.refusedContainers).toBe(2);
    await agent.close();
  });
});
