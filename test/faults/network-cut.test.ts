import type { LiveGap, LiveMessage } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { dockerLogLines, numberedLinesScript, runTestContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { recordFigure } from "../support/figures.ts";
import { waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const CUT_MS = 60_000;

/**
 * Two agents watch the same engine through one loopback proxy that is cut for 60 s: one with the
 * default outbox (the gap must be filled completely), one with a 1 MiB outbox (the oldest data
 * must be dropped, and the drop reported with its count and shown by the server).
 */
describe("the network between agents and server cut for 60 s", () => {
  let rig: Rig;
  let proxy: TcpProxy;

  beforeAll(async () => {
    rig = await Rig.start("crowsnest.test=faults-network");
    proxy = await TcpProxy.start(rig.server.options.port);
  });

  afterAll(async () => {
    await proxy?.close();
    await rig?.stop();
  });

  it("fills the gap from the outbox, or drops the oldest and reports it when the outbox is small", async () => {
    const serverUrl = `ws://127.0.0.1:${proxy.port}/ws/agent`;
    const roomy = await rig.addAgent("roomy-outbox", { serverUrl });
    const small = await rig.addAgent("small-outbox", {
      serverUrl,
      args: ["--outbox-bytes", String(1024 * 1024)],
    });
    const api = await rig.admin();
    const containerId = await runTestContainer(rig.label, numberedLinesScript(500));
    for (const host of [roomy, small]) {
      await waitFor(
        "lines before the cut",
        async () => (await api.allLogLines(host.hostId, containerId)).length > 100,
      );
    }

    // A browser watching the small agent's host: the server relays every gap notice it stores.
    const outboxGaps: LiveGap[] = [];
    const watcher = new WebSocket(`${rig.server.baseUrl.replace(/^http/, "ws")}/ws/live`, {
      headers: { cookie: api.cookie, origin: rig.server.baseUrl },
    });
    watcher.on("message", (data) => {
      const message = JSON.parse(String(data)) as LiveMessage;
      if (message.type === "gap" && message.reason === "agent_outbox") outboxGaps.push(message);
    });
    await new Promise((resolve, reject) => {
      watcher.once("open", resolve);
      watcher.once("error", reject);
    });
    watcher.send(JSON.stringify({ type: "subscribe", topic: { kind: "host", hostId: small.hostId } }));

    proxy.cut();
    await new Promise((r) => setTimeout(r, CUT_MS));
    proxy.restore();
    await new Promise((r) => setTimeout(r, 5_000));
    await docker("kill", containerId);
    const written = await dockerLogLines(containerId);

    const roomyStored = await waitFor(
      () => `all ${written.length} lines through the roomy agent\n${roomy.agent.output}`,
      async () => {
        const lines = await api.allLogLines(roomy.hostId, containerId);
        return lines.length >= written.length ? lines.map((l) => l.text) : null;
      },
      120_000,
      1_000,
    );
    expect(roomyStored).toEqual(written);

    const smallHost = await waitFor(
      "the small agent's gap to be stored and relayed",
      async () => {
        const host = await api.host(small.hostId);
        return host.droppedBatches > 0 && outboxGaps.length > 0 ? host : null;
      },
      60_000,
      1_000,
    );
    const smallStored = await waitFor(
      "the small agent's outbox to drain",
      async () => {
        const before = (await api.allLogLines(small.hostId, containerId)).length;
        await new Promise((r) => setTimeout(r, 2_000));
        const lines = (await api.allLogLines(small.hostId, containerId)).map((l) => l.text);
        return lines.length === before ? lines : null;
      },
      60_000,
      0,
    );
    // Whatever survived is a subsequence of what was written, each line once.
    expect(new Set(smallStored).size).toBe(smallStored.length);
    const writtenIndex = new Map(written.map((text, i) => [text, i]));
    const positions = smallStored.map((text) => writtenIndex.get(text) ?? -1);
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? -1)))).toBe(true);
    // Every line that is missing is counted in a gap notice (the notices also count other
    // containers' lines and the samples' batches), and every notice stands for at least one batch.
    const lost = written.length - smallStored.length;
    expect(lost).toBeGreaterThan(0);
    expect(outboxGaps.reduce((n, g) => n + (g.droppedLines ?? 0), 0)).toBeGreaterThanOrEqual(lost);
    expect((await api.host(small.hostId)).droppedBatches).toBeGreaterThanOrEqual(outboxGaps.length);
    watcher.close();

    recordFigure("network cut 60 s", {
      linesWritten: written.length,
      storedDefaultOutbox: roomyStored.length,
      storedOneMiBOutbox: smallStored.length,
      droppedBatchesReported: smallHost.droppedBatches,
    });
  }, 360_000);
});
