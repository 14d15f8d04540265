import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/api-client.ts";
import { recordFigure } from "../support/figures.ts";
import { ADMIN_PASSWORD, ServerProcess } from "../support/processes.ts";
import { expectOpen, type Opened, send } from "../support/raw-sockets.ts";
import { welcomedSocket } from "../support/rig.ts";
import { stalledLiveSocket } from "../support/stalled-live-socket.ts";

const READERS = 990;
const STALLED = 10;
const CONTAINER = "d".repeat(64);
const LINE = "x".repeat(2_000);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

describe("1,000 browser sockets, 10 of them never reading", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-slow-"));
  let server: ServerProcess;

  beforeAll(async () => {
    server = await ServerProcess.start({
      dataDir: join(dir, "server"),
      env: { CROWSNEST_LIVE_BUFFER_BYTES: String(256 * 1024), CROWSNEST_LIVE_STUCK_MS: "15000" },
    });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps server memory bounded and the readers receiving", async () => {
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const { hostId, token } = await server.addHost("busy-host");
    const agent = await welcomedSocket(server, token);

    const topic = { kind: "container", hostId, containerId: CONTAINER };
    const origin = server.baseUrl;
    const liveUrl = `ws://127.0.0.1:${server.options.port}/ws/live`;
    const latencies: { at: number; ms: number }[] = [];
    const readers: Opened[] = [];
    for (let i = 0; i < READERS; i++) {
      const reader = await expectOpen(liveUrl, { cookie: admin.cookie, origin });
      reader.socket.removeAllListeners("message");
      reader.socket.on("message", (data) => {
        const message = JSON.parse(data.toString()) as { type: string; lines?: { text: string }[] };
        if (message.type !== "logs") return;
        for (const line of message.lines ?? []) {
          const sentAt = Number(line.text.slice(0, 13));
          latencies.push({ at: Date.now(), ms: Date.now() - sentAt });
        }
      });
      send(reader, { type: "subscribe", topic });
      readers.push(reader);
    }
    const stalled = await Promise.all(
      Array.from({ length: STALLED }, () =>
        stalledLiveSocket(server.options.port, admin.cookie, origin, { type: "subscribe", topic }),
      ),
    );
    const rssBefore = server.process.rssBytes();

    // 10 batches a second of 10 lines of 2 KB: 200 KB/s to every socket.
    let seq = 0;
    const startedAt = Date.now();
    const rss: number[] = [];
    while (Date.now() - startedAt < 45_000) {
      const now = Date.now();
      seq++;
      send(agent, {
        type: "logs",
        seq,
        lines: Array.from({ length: 10 }, (_, i) => ({
          containerId: CONTAINER,
          ts: new Date(now)
            .toISOString()
            .replace("Z", `${String(seq % 1000).padStart(3, "0")}${i}Z`)
            .replace(/(\.\d{9})\d+Z$/, "$1Z"),
          stream: "stdout",
          text: `${now}${LINE}`,
          truncated: false,
        })),
        drops: [],
      });
      if (seq % 10 === 0) rss.push(server.process.rssBytes());
      await new Promise((r) => setTimeout(r, 100));
    }
    const early = latencies.filter((l) => l.at < startedAt + 10_000).map((l) => l.ms);
    const late = latencies.filter((l) => l.at > startedAt + 35_000).map((l) => l.ms);
    // The server must have given up on the stalled sockets: reading them now finds them closed.
    const stalledClosed = await Promise.all(
      stalled.map(
        (socket) =>
          new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(false), 20_000);
            socket.once("close", () => {
              clearTimeout(timer);
              resolve(true);
            });
            socket.on("data", () => undefined);
            socket.resume();
          }),
      ),
    ).then((closed) => closed.filter(Boolean).length);
    const rssPeak = Math.max(...rss);
    recordFigure("1,000 live sockets, 10 stalled", {
      rssBeforeMiB: Math.round(rssBefore / 2 ** 20),
      rssPeakMiB: Math.round(rssPeak / 2 ** 20),
      rssEndMiB: Math.round((rss.at(-1) ?? 0) / 2 ** 20),
      earlyP99Ms: Math.round(percentile(early, 99)),
      lateP99Ms: Math.round(percentile(late, 99)),
      linesDelivered: latencies.length,
      stalledClosed,
    });
    // Every reader got lines until the end, and the stalled sockets did not make memory grow
    // by their share of the 45 s of traffic (10 × 9 MB): the bound is their buffer threshold.
    expect(late.length).toBeGreaterThan(READERS * 10);
    expect(rssPeak - rssBefore).toBeLessThan(200 * 2 ** 20);
    expect(stalledClosed).toBe(STALLED);
    for (const reader of readers) reader.socket.terminate();
    for (const s of stalled) s.destroy();
    agent.socket.close();
  }, 300_000);
});
