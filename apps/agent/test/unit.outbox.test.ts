import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogLine, SequencedAgentMessage } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import { OutboxStore } from "../src/outbox/outbox-store.ts";

const ID = "b".repeat(64);
const log = createLogger("error");

function line(n: number, text = `line ${n}`): LogLine {
  return { containerId: ID, ts: "2026-11-24T12:00:00.000000000Z", stream: "stdout", text, truncated: false };
}

async function open(dir: string, budget = 64 * 1024 * 1024) {
  return Outbox.open(new OutboxStore(dir), budget, log);
}

function capture(outbox: Outbox): SequencedAgentMessage[] {
  const sent: SequencedAgentMessage[] = [];
  outbox.attach((text) => sent.push(JSON.parse(text) as SequencedAgentMessage));
  return sent;
}

describe("Outbox", () => {
  it("numbers batches, keeps them until acked and resends the unacked ones in seq order", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crowsnest-outbox-"));
    const outbox = await open(dir);
    const first = capture(outbox);
    outbox.addLine(line(1), { since: 1, skip: 1 });
    await outbox.flush();
    outbox.addLine(line(2), { since: 1, skip: 2 });
    await outbox.flush();
    expect(first.map((m) => m.seq)).toEqual([1, 2]);

    outbox.ack(1);
    outbox.detach();
    outbox.addLine(line(3), { since: 1, skip: 3 });
    await outbox.flush(); // cut while disconnected: kept, not sent
    expect(first).toHaveLength(2);
    const second = capture(outbox);
    expect(second.map((m) => m.seq)).toEqual([2, 3]);
  });

  it("survives a restart: same unacked batches under the same seqs, seq counter and log positions kept", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crowsnest-outbox-"));
    const before = await open(dir);
    capture(before);
    for (let i = 1; i <= 3; i++) {
      before.addLine(line(i), { since: 100, skip: i });
      await before.flush();
    }
    before.ack(1);
    await before.flush(); // lets the delete reach the disk

    const after = await open(dir);
    expect(after.resumePositions.get(ID)).toEqual({ since: 100, skip: 3 });
    const resent = capture(after);
    expect(resent.map((m) => m.seq)).toEqual([2, 3]);
    after.addEvent(
      { containerId: ID, action: "start", time: 1, exitCode: null, container: null },
      { since: 7, seen: ["7000000000 container start a"] },
    );
    await after.flush();
    expect(resent.at(-1)?.seq).toBe(4);
    // The events stream position travels with the events batch, beside the log positions.
    const again = await open(dir);
    expect(again.eventsPosition).toEqual({ since: 7, seen: ["7000000000 container start a"] });
    expect(again.resumePositions.get(ID)).toEqual({ since: 100, skip: 3 });
  });

  it("over its byte budget drops the oldest batches and sends one gap notice with the counts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crowsnest-outbox-"));
    const outbox = await open(dir, 1024 * 1024);
    // Nine batches of 100 KiB fit the 1 MiB budget; a tenth of 600 KiB pushes several out at once.
    for (let i = 1; i <= 9; i++) {
      outbox.addLine(line(i, "x".repeat(100 * 1024)), { since: 1, skip: i });
      await outbox.flush();
    }
    const newest = "y".repeat(600 * 1024);
    outbox.addLine(line(10, newest), { since: 1, skip: 10 });
    await outbox.flush();
    const sent = capture(outbox);
    const gaps = sent.filter((m) => m.type === "gap");
    const logs = sent.filter((m) => m.type === "logs");
    const keptSeqs = new Set(logs.map((m) => m.seq));
    const droppedSeqs = [...Array(10).keys()].map((i) => i + 1).filter((seq) => !keptSeqs.has(seq));
    // Several batches went in that one overflow, and one notice counts each of them, once.
    expect(droppedSeqs.length).toBeGreaterThan(1);
    expect(gaps).toEqual([
      expect.objectContaining({
        droppedBatches: droppedSeqs.length,
        droppedLines: droppedSeqs.length,
        droppedSamples: 0,
        droppedEvents: 0,
      }),
    ]);
    // The oldest went, the newest stayed, and nothing was sent twice or out of order.
    expect(droppedSeqs).toEqual([...Array(droppedSeqs.length).keys()].map((i) => i + 1));
    expect(logs.flatMap((m) => (m.type === "logs" ? m.lines : [])).at(-1)?.text).toBe(newest);
    const seqs = sent.map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    // What is on disk is what is kept in memory: dropped batches are deleted there too.
    expect((await readdir(join(dir, "outbox"))).length).toBe(sent.length);
  });

  it("sends one gap notice per overflow, and together they count every dropped line once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crowsnest-outbox-"));
    const outbox = await open(dir, 1024 * 1024);
    const big = "x".repeat(100 * 1024);
    for (let i = 1; i <= 14; i++) {
      outbox.addLine(line(i, big), { since: 1, skip: i });
      await outbox.flush();
    }
    const sent = capture(outbox);
    const gaps = sent.flatMap((m) => (m.type === "gap" ? [m] : []));
    const keptLines = sent.flatMap((m) => (m.type === "logs" ? m.lines : []));
    const droppedLines = gaps.reduce((n, g) => n + g.droppedLines, 0);
    expect(gaps.length).toBeGreaterThan(0);
    expect(droppedLines + keptLines.length).toBe(14);
    expect(gaps.reduce((n, g) => n + g.droppedBatches, 0)).toBe(droppedLines);
    expect(keptLines.at(-1)?.text).toBe(big); // the newest survive
  });

  it("folds a container's drops into one per logs batch, spanning them, its count unknown if one's is", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crowsnest-outbox-"));
    const outbox = await open(dir);
    const sent = capture(outbox);
    outbox.addDrop(
      { containerId: ID, count: null, from: 1200, to: 1300, reason: "rotated" },
      { since: 1, skip: 1 },
    );
    outbox.addDrop(
      { containerId: ID, count: 3, from: 1000, to: 1500, reason: "rotated" },
      { since: 1, skip: 2 },
    );
    await outbox.flush();
    expect(sent).toEqual([
      {
        type: "logs",
        seq: 1,
        incarnation: outbox.incarnation,
        lines: [],
        drops: [{ containerId: ID, count: null, from: 1000, to: 1500, reason: "rotated" }],
      },
    ]);
  });
});
