import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Incarnation, type LogLine, type SequencedAgentMessage } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import { Outbox } from "../src/outbox/outbox.ts";
import { OutboxStore } from "../src/outbox/outbox-store.ts";

const ID = "c".repeat(64);
const log = createLogger("error");

function line(text: string): LogLine {
  return { containerId: ID, ts: "2026-11-24T12:00:00.000000000Z", stream: "stdout", text, truncated: false };
}

const open = (dir: string) => Outbox.open(new OutboxStore(dir), 64 * 1024 * 1024, log);

function capture(outbox: Outbox): SequencedAgentMessage[] {
  const sent: SequencedAgentMessage[] = [];
  outbox.attach((text) => sent.push(JSON.parse(text) as SequencedAgentMessage));
  return sent;
}

describe("Outbox incarnations", () => {
  it("stamps each batch with the run that cut it; a later run resends old batches under theirs and cuts new ones under its own", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crowsnest-outbox-"));
    const first = await open(dir);
    expect(Incarnation.safeParse(first.incarnation).success).toBe(true);
    first.addLine(line("first run"), { since: 1, skip: 1 });
    await first.close();

    const second = await open(dir);
    expect(second.incarnation).not.toBe(first.incarnation);
    const sent = capture(second);
    second.addLine(line("second run"), { since: 1, skip: 2 });
    await second.flush();
    expect(sent.map((m) => [m.seq, m.incarnation])).toEqual([
      [1, first.incarnation],
      [2, second.incarnation],
    ]);
  });

  it("gets a new incarnation when its state is deleted, so seq 1 again is another batch", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crowsnest-outbox-"));
    const before = await open(dir);
    before.addLine(line("before"), { since: 1, skip: 1 });
    await before.close();
    await rm(join(dir, "outbox"), { recursive: true });
    await rm(join(dir, "outbox-state.json"));
    const after = await open(dir);
    const sent = capture(after);
    after.addLine(line("after"), { since: 1, skip: 1 });
    await after.flush();
    expect(sent.map((m) => [m.seq, m.incarnation])).toEqual([[1, after.incarnation]]);
    expect(after.incarnation).not.toBe(before.incarnation);
  });

  it("numbers above the server's last stored seq once told, and keeps that across a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "crowsnest-outbox-"));
    const outbox = await open(dir);
    const sent = capture(outbox);
    outbox.continueAbove(null);
    outbox.continueAbove(40);
    outbox.addLine(line("numbered above"), { since: 1, skip: 1 });
    await outbox.flush();
    outbox.continueAbove(3); // below what it numbers already: nothing changes
    outbox.addLine(line("next"), { since: 1, skip: 2 });
    await outbox.close();
    expect(sent.map((m) => m.seq)).toEqual([41, 42]);
    const restarted = await open(dir);
    const resent = capture(restarted);
    restarted.addLine(line("after restart"), { since: 1, skip: 3 });
    await restarted.flush();
    expect(resent.map((m) => m.seq)).toEqual([41, 42, 43]);
  });
});
