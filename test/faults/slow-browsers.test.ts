import { mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
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
const TIMED_READERS = 50;
const RUN_MS = 60_000;
const STALL_AT_MS = 15_000;
// Windows in ms from the start: before the stalled sockets exist, while they are stuck (the server
// closes them CROWSNEST_LIVE_STUCK_MS after they pass the buffer threshold), and after.
const BASELINE_WINDOW = [5_000, 15_000] as const;
const STALLED_WINDOW = [18_000, 30_000] as const;
const AFTER_CLOSE_WINDOW = [45_000, 60_000] as const;

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

  it("keeps server memory bounded and the readers receiving at the latency they had before", async () => {
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const { hostId, token } = await server.addHost("busy-host");
    const agent = await welcomedSocket(server, token);

    const topic = { kind: "container", hostId, containerId: CONTAINER };
    const origin = server.baseUrl;
    const liveUrl = `ws://127.0.0.1:${server.options.port}/ws/live`;
    // Parsing 100,000 lines/s in this one test process would measure the test, not the server:
    // a sample of readers times every line, the rest only note when they last received.
    const latencies: { at: number; ms: number }[] = [];
    const lastReceived = new Array<number>(READERS).fill(0);
    const readers: Opened[] = [];
    for (let i = 0; i < READERS; i++) {
      const reader = await expectOpen(liveUrl, { cookie: admin.cookie, origin });
      reader.socket.removeAllListeners("message");
      const timed = i < TIMED_READERS;
      reader.socket.on("message", (data) => {
        lastReceived[i] = Date.now();
        if (!timed) return;
        const message = JSON.parse(data.toString()) as { type: string; lines?: { text: string }[] };
        if (message.type !== "logs") return;
        for (const line of message.lines ?? []) {
          latencies.push({ at: Date.now(), ms: Date.now() - Number(line.text.slice(0, 13)) });
        }
      });
      send(reader, { type: "subscribe", topic });
      readers.push(reader);
    }
    const rssBefore = server.process.rssBytes();

    // 10 batches a second of 10 lines of 2 KB: 200 KB/s to every socket. The stalled sockets
    // join after a baseline phase, stay stuck until the server closes them, and the run goes on.
    let seq = 0;
    const startedAt = Date.now();
    const rss: number[] = [];
    let stalled: Socket[] = [];
    const readersSeenAt = (from: number) => lastReceived.filter((t) => t >= startedAt + from).length;
    let readersDuringStall = 0;
    while (Date.now() - startedAt < RUN_MS) {
      const now = Date.now();
      if (stalled.length === 0 && now - startedAt >= STALL_AT_MS) {
        stalled = await Promise.all(
          Array.from({ length: STALLED }, () =>
            stalledLiveSocket(server.options.port, admin.cookie, origin, { type: "subscribe", topic }),
          ),
        );
      }
      if (readersDuringStall === 0 && now - startedAt >= STALLED_WINDOW[1]) {
        readersDuringStall = readersSeenAt(STALLED_WINDOW[0]);
      }
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
    const readersAtEnd = readersSeenAt(RUN_MS - 5_000);
    const within = ([from, to]: readonly [number, number]) =>
      latencies.filter((l) => l.at >= startedAt + from && l.at < startedAt + to).map((l) => l.ms);
    const baseline = within(BASELINE_WINDOW);
    const duringStall = within(STALLED_WINDOW);
    const afterClose = within(AFTER_CLOSE_WINDOW);
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
      timedReaders: TIMED_READERS,
      baselineP50Ms: Math.round(percentile(baseline, 50)),
      baselineP99Ms: Math.round(percentile(baseline, 99)),
      stalledP50Ms: Math.round(percentile(duringStall, 50)),
      stalledP99Ms: Math.round(percentile(duringStall, 99)),
      afterCloseP99Ms: Math.round(percentile(afterClose, 99)),
      readersReceivingDuringStall: readersDuringStall,
      readersReceivingAtEnd: readersAtEnd,
      stalledClosed,
    });
    // Every reader kept receiving while the stalled sockets were stuck and after they were closed,
    // and the stalled sockets did not make memory grow by their share of the traffic (10 × 6 MB):
    // the bound is their buffer threshold.
    expect(baseline.length).toBeGreaterThan(0);
    expect(duringStall.length).toBeGreaterThan(0);
    expect(readersDuringStall).toBe(READERS);
    expect(readersAtEnd).toBe(READERS);
    expect(rssPeak - rssBefore).toBeLessThan(200 * 2 ** 20);
    expect(stalledClosed).toBe(STALLED);
    for (const reader of readers) reader.socket.terminate();
    for (const s of stalled) s.destroy();
    agent.socket.close();
  }, 300_000);
});
