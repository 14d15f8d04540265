import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StorageHealth } from "../../src/ingest/storage-health.ts";
import { BEHIND_FLUSHES, WriteQueue } from "../../src/ingest/write-queue.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store, TelemetryWrite, WriteResult } from "../../src/store/store.ts";
import { anyCredential } from "../store/backends.ts";
import { containerId, metricSample } from "../support/samples.ts";

/** Samples per batch: a batch weighs 1 + 2 × 250 = 501 rows, so 8 of them pass a 4,000-row flush. */
const SAMPLES = 250;

/**
 * The write queue's flushes through the SQLite store (its worker thread: two flushes in flight):
 * what is pending, up to 4,000 rows while the store keeps up, and BEHIND_FLUSHES times that once
 * that much waits; everything stored either way.
 */
describe("write queue flush size", () => {
  let dir: string;
  let store: Store;
  let hostId: string;
  let ids: string[];
  let seq = 0;
  /** Writes per flush the store was handed, in order. */
  let flushes: number[];
  let gate: Promise<void>;
  let open: () => void;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "crowsnest-flush-"));
    store = await openSqliteStore(join(dir, "crowsnest.db"));
    hostId = (await store.hosts.create("h", 0, anyCredential())).id;
    ids = Array.from({ length: SAMPLES }, () => containerId());
    seq = 0;
    flushes = [];
    gate = Promise.resolve();
    const write = store.telemetry.write.bind(store.telemetry);
    vi.spyOn(store.telemetry, "write").mockImplementation(
      async (writes: readonly TelemetryWrite[]): Promise<WriteResult[]> => {
        flushes.push(writes.length);
        await gate;
        return write(writes);
      },
    );
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `n` batches of SAMPLES samples each, enqueued in one turn of the event loop. */
  function enqueue(queue: WriteQueue, n: number): Promise<WriteResult[]> {
    const now = Date.now();
    return Promise.all(
      Array.from({ length: n }, () => {
        seq += 1;
        const samples = ids.map((id) => metricSample(id, now + seq));
        return queue.enqueue({ kind: "batch", hostId, at: now, message: { type: "metrics", seq, samples } });
      }),
    );
  }

  it("takes what is pending, up to about 4,000 rows, while the store keeps up", async () => {
    const queue = new WriteQueue(store.telemetry, new StorageHealth());
    expect(await enqueue(queue, 6)).toEqual(Array(6).fill("stored"));
    expect(flushes).toEqual([6]);
    flushes = [];
    expect(await enqueue(queue, 12)).toEqual(Array(12).fill("stored"));
    expect(flushes).toEqual([8, 4]);
  });

  it("takes BEHIND_FLUSHES times as much once that much is pending, and stores it all", async () => {
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const queue = new WriteQueue(store.telemetry, new StorageHealth());
    const results = enqueue(queue, 60);
    await vi.waitFor(() => expect(flushes).toHaveLength(2));
    // 30,060 rows pending: the first flush takes 16,032 (32 batches); 14,028 left are under 16,000.
    expect(BEHIND_FLUSHES).toBe(4);
    expect(flushes).toEqual([32, 8]);
    open();
    expect(await results).toEqual(Array(60).fill("stored"));
    expect(flushes).toEqual([32, 8, 8, 8, 4]);
    const stored = await store.metrics.raw({
      hostId,
      containerId: ids[0] ?? "",
      from: 0,
      to: Date.now() + 100,
    });
    expect(stored).toHaveLength(60);
  });
});
