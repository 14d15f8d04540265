import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import type { Store } from "../../src/store/store.ts";
import { logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential, BACKENDS, packAll } from "./backends.ts";

const HOUR = 3_600_000;

/** RetentionRepository on every backend: what goes, what stays, and at most `limit` rows per call. */
describe.each(BACKENDS)("Store contract, retention ($name)", ({ open }) => {
  let store: Store;
  let hostId: string;
  let seq = 0;
  beforeEach(async () => {
    store = await open();
    hostId = (await store.hosts.create("h", 0, anyCredential())).id;
    seq = 0;
  });
  afterEach(async () => {
    await store.close();
  });

  /** Stores the lines as one batch of `host`, arriving at `at`. */
  async function storeLines(host: string, containerId: string, texts: string[], at = 0): Promise<void> {
    const lines = texts.map((text, i) => logLine(containerId, 1_000 + i, text));
    seq += 1;
    await store.telemetry.write([
      { kind: "batch", hostId: host, at, message: { type: "logs", seq, lines, drops: [] } },
    ]);
  }

  async function texts(host: string, containerId: string): Promise<string[]> {
    const page = await store.logs.query({
      hostId: host,
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

  it("deletes raw samples and rollups older than the bound, at most `limit` per call", async () => {
    const id = newContainerId();
    // One sample an hour: each hour's chunk (and its rollups') holds one, once packed.
    const samples = Array.from({ length: 5 }, (_, i) => metricSample(id, (i + 1) * HOUR));
    await store.telemetry.write([
      { kind: "batch", hostId, at: 0, message: { type: "metrics", seq: 1, samples } },
    ]);
    const range = { hostId, containerId: id, from: 0, to: 10 * HOUR };

    await packAll(store);
    expect(await store.retention.deleteRawMetricsBefore(4 * HOUR, 2)).toBe(2);
    expect(await store.retention.deleteRawMetricsBefore(4 * HOUR, 2)).toBe(1);
    expect(await store.retention.deleteRawMetricsBefore(4 * HOUR, 2)).toBe(0);
    expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual([4 * HOUR, 5 * HOUR]);
    // Rollups have their own bound: all five minutes are still there.
    expect(await store.metrics.rollups(range)).toHaveLength(5);
    expect(await store.retention.deleteRollupsBefore(2 * HOUR, 10)).toBe(1);
    expect((await store.metrics.rollups(range)).map((p) => p.t)).toEqual([2, 3, 4, 5].map((h) => h * HOUR));
  });

  it("deletes log lines older than a timestamp, and search forgets them", async () => {
    const id = newContainerId();
    await storeLines(hostId, id, ["old one", "old two", "new three"]);
    // The third line is at 1 002 ms: everything before 1 002 ms goes.
    expect(await store.retention.deleteLogsBefore(msToTs(1_002), 1)).toBe(1);
    expect(await store.retention.deleteLogsBefore(msToTs(1_002), 10)).toBe(1);
    expect(await texts(hostId, id)).toEqual(["new three"]);
    const search = await store.logs.query({
      hostId,
      containerId: id,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2100-01-01")),
      words: ["old"],
      stream: null,
      limit: 10,
      before: null,
    });
    expect(search.lines).toEqual([]);
  });

  it("finds hosts over the log cap and frees their oldest lines first, up to the bytes asked for", async () => {
    const other = (await store.hosts.create("other", 0, anyCredential())).id;
    const id = newContainerId();
    // Ten lines of 10 bytes each on one host, one line of 10 on the other.
    const lines = Array.from({ length: 10 }, (_, i) => `line-${String(i).padStart(5, "0")}`);
    await storeLines(hostId, id, lines);
    await storeLines(other, id, ["other-0001"]);
    expect(await store.retention.hostsOverLogCap(60)).toEqual([{ hostId, excessBytes: 40 }]);
    expect(await store.retention.hostsOverLogCap(100)).toEqual([]);

    // 25 bytes asked for: lines are deleted whole until that much is freed (three lines).
    expect(await store.retention.deleteOldestLogs(hostId, 25, 100)).toBe(3);
    expect(await texts(hostId, id)).toEqual(lines.slice(3));
    // At most `limit` lines per call.
    expect(await store.retention.deleteOldestLogs(hostId, 1_000, 2)).toBe(2);
    expect(await texts(hostId, id)).toEqual(lines.slice(5));
    expect(await store.retention.hostsOverLogCap(40)).toEqual([{ hostId, excessBytes: 10 }]);
    expect(await texts(other, id)).toEqual(["other-0001"]);
  });

  it("weighs a host's lines by their UTF-8 bytes, as stored, and takes them off as they are deleted", async () => {
    const id = newContainerId();
    // 2 + 5 + 3 (a lone surrogate is stored as U+FFFD) + 5 bytes, over two writes.
    await storeLines(hostId, id, ["é", "😀x"]);
    await storeLines(hostId, id, ["\uD800", "plain"]);
    expect(await store.retention.hostsOverLogCap(0)).toEqual([{ hostId, excessBytes: 15 }]);
    expect(await store.retention.deleteOldestLogs(hostId, 7, 100)).toBe(2);
    expect(await store.retention.hostsOverLogCap(0)).toEqual([{ hostId, excessBytes: 8 }]);
    expect(await store.retention.deleteOldestLogs(hostId, 1_000, 100)).toBe(2);
    expect(await store.retention.hostsOverLogCap(0)).toEqual([]);
  });

  it("forgets stored batch numbers older than the bound", async () => {
    const id = newContainerId();
    await storeLines(hostId, id, ["a"], 100);
    await storeLines(hostId, id, ["b"], 200);
    expect(await store.hosts.lastStoredSeq(hostId)).toBe(2);
    expect(await store.retention.deleteBatchLedgerBefore(300, 1)).toBe(1);
    expect(await store.retention.deleteBatchLedgerBefore(300, 1)).toBe(1);
    expect(await store.hosts.lastStoredSeq(hostId)).toBeNull();
    // The batches' lines are not the ledger's: they stay.
    expect(await texts(hostId, id)).toEqual(["a", "b"]);
  });
});
