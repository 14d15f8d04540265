import type { SequencedAgentMessage } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { batchDigest } from "../../src/store/batch-digest.ts";
import { logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";

const id = newContainerId();
const metrics = (changes: Partial<ReturnType<typeof metricSample>> = {}, incarnation?: string) =>
  ({
    type: "metrics",
    seq: 7,
    ...(incarnation === undefined ? {} : { incarnation }),
    samples: [metricSample(id, 1_000), { ...metricSample(id, 2_000), ...changes }],
  }) satisfies SequencedAgentMessage;

/** The ledger's digest: equal for a resend, different for any other content under the same seq. */
describe("batch digest", () => {
  it("is the same for the same metrics batch and differs with any field of any sample", () => {
    expect(batchDigest(metrics())).toBe(batchDigest(structuredClone(metrics())));
    const digests = [
      metrics(),
      metrics({ t: 2_001 }),
      metrics({ cpuPercent: 12.6 }),
      metrics({ onlineCpus: 3 }),
      metrics({ memUsedBytes: 1 }),
      metrics({ memLimitBytes: 1 }),
      metrics({ netRxBytes: null }),
      metrics({ netTxBytes: 1 }),
      metrics({ blkReadBytes: 1 }),
      metrics({ blkWriteBytes: 1 }),
      metrics({ pids: 2 }),
      metrics({ containerId: newContainerId() }),
      metrics({}, "a"),
      { ...metrics(), seq: 8 },
      { ...metrics(), samples: metrics().samples.slice(0, 1) },
    ].map(batchDigest);
    expect(new Set(digests).size).toBe(digests.length);
    expect(digests.every((d) => /^[0-9a-f]{64}$/.test(d))).toBe(true);
  });

  it("tells a null counter from 0 and an absent incarnation from any given one", () => {
    expect(batchDigest(metrics({ netRxBytes: null }))).not.toBe(batchDigest(metrics({ netRxBytes: 0 })));
    expect(batchDigest(metrics({}, "null"))).not.toBe(batchDigest(metrics()));
  });

  it("hashes log batches, and samples of ids not Docker's, from their JSON", () => {
    const logs: SequencedAgentMessage = { type: "logs", seq: 1, lines: [logLine(id, 1, "a")], drops: [] };
    expect(batchDigest(logs)).toBe(batchDigest(structuredClone(logs)));
    expect(batchDigest(logs)).not.toBe(batchDigest({ ...logs, lines: [logLine(id, 1, "b")] }));
    const short = metrics({ containerId: "abc" });
    expect(batchDigest(short)).not.toBe(batchDigest(metrics({ containerId: "abd" })));
  });
});
