import type { LogLine, SequencedAgentMessage } from "@crowsnest/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../src/logger.ts";
import { FLUSH_BYTES, FLUSH_INTERVAL_MS, Outbox } from "../src/outbox/outbox.ts";
import type { OutboxStore } from "../src/outbox/outbox-store.ts";

const ID = "c".repeat(64);
const log = createLogger("error");

function line(n: number, text = `line ${n}`): LogLine {
  return { containerId: ID, ts: "2026-12-01T12:00:00.000000000Z", stream: "stdout", text, truncated: false };
}

/** A disk that is always done at once: what is sent when depends on the policy alone. */
const instantDisk = {
  load: async () => ({ state: { nextSeq: 1, resume: {} }, batches: [] }),
  writeBatch: async () => {},
  writeState: async () => {},
  deleteBatch: async () => {},
} as unknown as OutboxStore;

/** A transport that records what the outbox sends and acks only when the test says so. */
async function withFakeTransport() {
  const outbox = await Outbox.open(instantDisk, 64 * 1024 * 1024, log);
  const sent: SequencedAgentMessage[] = [];
  outbox.attach((text) => sent.push(JSON.parse(text) as SequencedAgentMessage));
  /** Lets a cut due at the end of this turn run, and its batches pass the (instant) disk to the transport. */
  const settle = async () => {
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  };
  const lineCounts = () => sent.map((m) => (m.type === "logs" ? m.lines.length : -1));
  return { outbox, sent, settle, lineCounts };
}

describe("Outbox flush policy (Nagle-style)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends at once when nothing is in flight, the lines of one turn in one batch", async () => {
    const { outbox, settle, lineCounts } = await withFakeTransport();
    outbox.addLine(line(1), { since: 1, skip: 1 });
    outbox.addLine(line(2), { since: 1, skip: 2 });
    const before = performance.now();
    await settle();
    expect(lineCounts()).toEqual([2]);
    expect(performance.now() - before).toBeLessThan(FLUSH_INTERVAL_MS);
  });

  it("while a batch is in flight gathers items, and sends them at once when it is acked", async () => {
    const { outbox, sent, settle, lineCounts } = await withFakeTransport();
    outbox.addLine(line(1), { since: 1, skip: 1 });
    await settle();
    for (let n = 2; n <= 4; n++) {
      outbox.addLine(line(n), { since: 1, skip: n });
      await settle();
    }
    expect(lineCounts()).toEqual([1]); // held back: seq 1 is not acked
    outbox.ack(sent[0]?.seq ?? 0);
    await settle();
    expect(lineCounts()).toEqual([1, 3]);
    expect(sent.map((m) => m.seq)).toEqual([1, 2]);
    // Acked too: nothing in flight, so the next line goes at once again.
    outbox.ack(2);
    outbox.addLine(line(5), { since: 1, skip: 5 });
    await settle();
    expect(lineCounts()).toEqual([1, 3, 1]);
  });

  it(`while a batch is in flight cuts anyway ${FLUSH_INTERVAL_MS} ms after the first waiting item`, async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { outbox, settle, lineCounts } = await withFakeTransport();
    outbox.addLine(line(1), { since: 1, skip: 1 });
    await settle(); // seq 1 in flight, never acked
    outbox.addLine(line(2), { since: 1, skip: 2 });
    vi.advanceTimersByTime(FLUSH_INTERVAL_MS - 1);
    outbox.addLine(line(3), { since: 1, skip: 3 }); // does not restart the wait
    await settle();
    expect(lineCounts()).toEqual([1]);
    vi.advanceTimersByTime(1);
    await settle();
    expect(lineCounts()).toEqual([1, 2]);
  });

  it(`while a batch is in flight cuts once the waiting items reach ${FLUSH_BYTES / 1024} KiB`, async () => {
    const { outbox, settle, lineCounts } = await withFakeTransport();
    outbox.addLine(line(0), { since: 1, skip: 0 });
    await settle(); // seq 1 in flight, never acked
    const text = "x".repeat(16_000);
    const enough = Math.ceil(FLUSH_BYTES / Buffer.byteLength(JSON.stringify(line(0, text))));
    for (let n = 1; n <= enough + 1; n++) outbox.addLine(line(n, text), { since: 1, skip: n });
    await settle();
    expect(lineCounts()).toEqual([1, enough]); // the last one waits for an ack
  });

  it("keeps its ledger: batches cut while detached count as in flight and are resent, in order, on attach", async () => {
    const { outbox, sent, settle, lineCounts } = await withFakeTransport();
    outbox.detach();
    outbox.addLine(line(1), { since: 1, skip: 1 });
    await settle(); // cut at once (nothing in flight), kept on disk, not sent
    outbox.addLine(line(2), { since: 1, skip: 2 });
    await settle();
    expect(sent).toEqual([]);
    expect(outbox.unackedCount).toBe(1); // the second line waits behind the unacked first batch
    const resent: SequencedAgentMessage[] = [];
    outbox.attach((text) => resent.push(JSON.parse(text) as SequencedAgentMessage));
    outbox.ack(1);
    await settle();
    expect(resent.map((m) => m.seq)).toEqual([1, 2]);
    expect(lineCounts()).toEqual([]);
    expect(outbox.resumePositions.get(ID)).toEqual({ since: 1, skip: 2 });
  });
});
