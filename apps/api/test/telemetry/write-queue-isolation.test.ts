import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StorageHealth } from "../../src/ingest/storage-health.ts";
import { WriteQueue } from "../../src/ingest/write-queue.ts";
import type { ParsedWrite, Store } from "../../src/store/store.ts";
import { anyCredential } from "../store/backends.ts";
import { openTempPostgresStore } from "../store/postgres-database.ts";
import { containerId, metricSample } from "../support/samples.ts";

/**
 * A red-team finding: the write queue stores several agents' writes in one transaction, so a value
 * one agent sends that PostgreSQL refuses (a pids count past its integer column) failed every other
 * agent's write of that flush too. The protocol now refuses such values at the socket; the queue
 * isolates whatever the store still refuses.
 */
describe("a write the store refuses, in a flush with other agents' writes", () => {
  let store: Store;

  beforeAll(async () => {
    store = await openTempPostgresStore();
  });

  afterAll(async () => {
    await store?.close();
  });

  it("fails alone: the other agents' writes of the same flush are stored", async () => {
    const now = Date.now();
    const hosts = await Promise.all(
      ["good-1", "evil", "good-2"].map((n) => store.hosts.create(n, now, anyCredential())),
    );
    const ids = hosts.map(() => containerId());
    const batch = (i: number, pids: number): ParsedWrite => ({
      kind: "batch",
      hostId: hosts[i]?.id ?? "",
      at: now,
      message: { type: "metrics", seq: 1, samples: [{ ...metricSample(ids[i] ?? "", now), pids }] },
    });
    const health = new StorageHealth();
    const queue = new WriteQueue(store.telemetry, health);
    // Enqueued in one turn of the event loop: one flush, one transaction at first.
    const results = await Promise.allSettled([
      queue.enqueue(batch(0, 3)),
      queue.enqueue(batch(1, 2 ** 31)),
      queue.enqueue(batch(2, 4)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/out of range/);
    for (const i of [0, 2]) {
      const stored = await store.metrics.raw({
        hostId: hosts[i]?.id ?? "",
        containerId: ids[i] ?? "",
        from: now - 1,
        to: now + 1,
      });
      expect(stored.map((p) => p.pids)).toEqual([i === 0 ? 3 : 4]);
    }
    // The last write of the flush succeeded: the store is fine, one agent's data was not.
    expect(health.ok).toBe(true);
  });
});
