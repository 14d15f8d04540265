import { randomBytes } from "node:crypto";
import { CLOSE_CODES, type Host, type ProtocolError } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { containerInfo, HOST_INFO, logLine, containerId as newContainerId } from "../support/samples.ts";
import { type BatchBody, SimAgent } from "../support/sim-agent.ts";
import { TelemetryServer } from "../support/telemetry-server.ts";

const incarnation = () => randomBytes(16).toString("base64url");

/**
 * A batch's identity is (host, incarnation, seq) and its content: an agent whose numbering went
 * back or forked never has a batch acked as a duplicate unless that very batch was stored.
 */
describe("batch identity across agent incarnations (protocol-level agents, real server)", () => {
  let server: TelemetryServer;
  beforeAll(async () => {
    server = await TelemetryServer.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  const logs = (id: string, text: string): BatchBody => ({
    type: "logs",
    lines: [logLine(id, Date.now(), text)],
    drops: [],
  });

  /** The container's stored lines, oldest first (by time, then by arrival), through the Store contract. */
  async function storedTexts(hostId: string, containerId: string): Promise<string[]> {
    const page = await server.store.logs.query({
      hostId,
      containerId,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2100-01-01")),
      words: null,
      stream: null,
      limit: 1_000,
      before: null,
    });
    return page.lines.map((line) => line.text);
  }

  async function connect(token: string, id: string, options: { incarnation?: string } = {}) {
    return SimAgent.connect(server.agentUrl, token, { containers: [containerInfo(id, "c")], ...options });
  }

  it("stores every batch of a reset agent (seq from 1 again, new incarnation) and counts none as a duplicate", async () => {
    const { token, hostId } = await server.addHost("reset");
    const id = newContainerId();
    const duplicatesBefore = server.server.ctx.counters.duplicateBatches;
    const first = await connect(token, id, { incarnation: incarnation() });
    for (let i = 1; i <= 5; i++) await first.send(logs(id, `before ${i}`)).acked;
    await first.close();
    // The state directory is gone: the next run numbers from 1 again, under a new incarnation.
    const reset = await connect(token, id, { incarnation: incarnation() });
    for (let i = 1; i <= 5; i++) await reset.send(logs(id, `after ${i}`)).acked;
    await reset.close();

    expect(await storedTexts(hostId, id)).toEqual(
      [1, 2, 3, 4, 5].flatMap((i) => `before ${i}`).concat([1, 2, 3, 4, 5].map((i) => `after ${i}`)),
    );
    expect(server.server.ctx.counters.duplicateBatches).toBe(duplicatesBefore);
  });

  it("acks a resend of the very same batch as a duplicate, but stores another batch under the same (host, incarnation, seq)", async () => {
    const { token, hostId } = await server.addHost("forked");
    const id = newContainerId();
    const shared = incarnation();
    const counters = server.server.ctx.counters;
    const before = { ...counters };
    const original = await connect(token, id, { incarnation: shared });
    const batch = logs(id, "original seq 7");
    await original.sendWithSeq(7, batch);
    await original.sendWithSeq(7, batch); // the resend after a lost ack
    await original.close();
    // A restored backup (or a clone) of the same run: same incarnation, same seq, other content.
    const restored = await connect(token, id, { incarnation: shared });
    await restored.sendWithSeq(7, batch); // the copy of the unacked batch it found on disk
    await restored.sendWithSeq(7, logs(id, "restored seq 7"));
    await restored.close();

    expect(await storedTexts(hostId, id)).toEqual(["original seq 7", "restored seq 7"]);
    expect(counters.duplicateBatches - before.duplicateBatches).toBe(2);
    expect(counters.collidedBatches - before.collidedBatches).toBe(1);
    expect(counters.storedBatches - before.storedBatches).toBe(2);
  });

  it("stores a reset older agent's batches (no incarnation) whose seqs collide with stored ones", async () => {
    const { token, hostId } = await server.addHost("legacy");
    const id = newContainerId();
    const old = await connect(token, id);
    const second = logs(id, "old 2");
    await old.send(logs(id, "old 1")).acked;
    await old.send(second).acked;
    await old.sendWithSeq(2, second); // a true resend: still stored once
    await old.close();
    const reset = await connect(token, id);
    await reset.send(logs(id, "reset 1")).acked;
    await reset.send(logs(id, "reset 2")).acked;
    await reset.close();
    expect(await storedTexts(hostId, id)).toEqual(["old 1", "old 2", "reset 1", "reset 2"]);
  });

  it("refuses a second live agent with another incarnation (4005), keeps the first, and shows the conflict on the host", async () => {
    const { token, hostId } = await server.addHost("cloned");
    const id = newContainerId();
    const original = await connect(token, id, { incarnation: incarnation() });
    await original.send(logs(id, "original 1")).acked;

    const clone = await SimAgent.open(server.agentUrl, token, { incarnation: incarnation() });
    const refusal = clone.next((m) => m.type === "error");
    clone.sendHello({ ...HOST_INFO, hostname: "the-clone" });
    expect(((await refusal) as ProtocolError).code).toBe("not_allowed");
    expect((await clone.closed).code).toBe(CLOSE_CODES.duplicateAgent);
    expect(clone.received.some((m) => m.type === "welcome" || m.type === "ack")).toBe(false);

    // The original was never replaced and goes on being stored and acked.
    await original.send(logs(id, "original 2")).acked;
    expect(original.ws.readyState).toBe(original.ws.OPEN);
    const host = await server.get<Host>(`/api/hosts/${hostId}`);
    expect(host.body.online).toBe(true);
    expect(host.body.agentConflict).toMatchObject({
      refusedConnections: 1,
      active: true,
      refusedHost: { hostname: "the-clone" },
    });
    expect(server.server.ctx.counters.refusedAgents).toBeGreaterThanOrEqual(1);

    // Once the original is gone, the other one gets in and is stored.
    await original.close();
    const successor = await connect(token, id, { incarnation: incarnation() });
    await successor.send(logs(id, "successor 1")).acked;
    await successor.close();
    expect(await storedTexts(hostId, id)).toEqual(["original 1", "original 2", "successor 1"]);
  });

  it("replaces a live link that does not answer a ping (a dead socket of a restarted agent) instead of refusing", async () => {
    const { token, hostId } = await server.addHost("half-open");
    const id = newContainerId();
    const hung = await connect(token, id, { incarnation: incarnation() });
    hung.ws.pause(); // reads nothing more: no pong, no frame, like a socket whose peer is gone
    const restarted = await connect(token, id, { incarnation: incarnation() });
    await restarted.send(logs(id, "after restart")).acked;
    await restarted.close();
    hung.ws.terminate();
    expect(await storedTexts(hostId, id)).toEqual(["after restart"]);
    expect((await server.get<Host>(`/api/hosts/${hostId}`)).body.agentConflict).toBeNull();
  });

  it("lets the same incarnation reconnect over its own older socket (replaced, 4001)", async () => {
    const { token } = await server.addHost("reconnect");
    const id = newContainerId();
    const run = incarnation();
    const before = await connect(token, id, { incarnation: run });
    const after = await connect(token, id, { incarnation: run });
    expect((await before.closed).code).toBe(CLOSE_CODES.replaced);
    await after.send(logs(id, "reconnected")).acked;
    await after.close();
  });
});
