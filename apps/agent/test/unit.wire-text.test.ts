import { AGENT_MESSAGES, decode, encode, LIMITS, metricsBatchOf } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { wireText } from "../src/outbox/wire-text.ts";

const ID = "a".repeat(64);
const sample = (t: number, netRxBytes: number | null) => ({
  containerId: ID,
  t,
  cpuPercent: 1.5,
  onlineCpus: 2,
  memUsedBytes: 10,
  memLimitBytes: 20,
  netRxBytes,
  netTxBytes: netRxBytes,
  blkReadBytes: 3,
  blkWriteBytes: 4,
  pids: 5,
});

describe("wireText: the outbox's batch text in the form the server takes", () => {
  const batch = {
    type: "metrics" as const,
    seq: 7,
    incarnation: "run-0123456789abcdef",
    samples: [sample(1_000, 9), sample(2_000, null)],
  };
  const text = encode(batch);

  it("makes a metrics batch columns for a server that takes them, which the server reads back as the same batch", () => {
    const sent = wireText(text, true);
    const decoded = decode(AGENT_MESSAGES, sent, { maxBytes: LIMITS.agentFrameBytes });
    expect(decoded.ok && decoded.message.type).toBe("metrics_columns");
    if (!decoded.ok || decoded.message.type !== "metrics_columns") return;
    expect(metricsBatchOf(decoded.message)).toEqual(batch);
    expect(sent.length).toBeLessThan(text.length);
  });

  it("leaves any other batch, and every batch for a server before columns, as it is", () => {
    expect(wireText(text, false)).toBe(text);
    const logs = JSON.stringify({ type: "logs", seq: 8, lines: [], drops: [] });
    expect(wireText(logs, true)).toBe(logs);
  });
});
