import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StorageHealth } from "../../src/ingest/storage-health.ts";
import { WriteQueue } from "../../src/ingest/write-queue.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store, TelemetryWrite } from "../../src/store/store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";

/**
 * The SQLite store of a file writes telemetry in a worker thread on its own connection
 * (WorkerTelemetryWriter); the Store contract tests run on it too (backends.ts, "sqlite-file").
 * These cases are what the worker adds: the main thread goes on while a write waits, a failed
 * write rejects, and closing the store lets the writes already sent commit first.
 */
describe("SQLite telemetry in a worker thread", () => {
  let dir: string;
  let path: string;
  let store: Store;
  let hostId: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "crowsnest-worker-"));
    path = join(dir, "crowsnest.db");
    store = await openStore({ database: { backend: "sqlite", path } });
    hostId = (await store.hosts.create("h", 1_000, anyCredential())).id;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const batch = (seq: number, id: string, t: number): TelemetryWrite => ({
    kind: "batch",
    hostId,
    at: t,
    message: { type: "metrics", seq, samples: [metricSample(id, t)] },
  });

  it("writes off the main thread: reads answer while a write waits for the lock, which it then takes", async () => {
    const id = newContainerId();
    const other = new DatabaseSync(path);
    other.exec("BEGIN IMMEDIATE");
    let settled = false;
    const write = store.telemetry.write([batch(1, id, 60_000)]).finally(() => {
      settled = true;
    });
    // A write on this thread would have blocked right here on the lock (and then failed busy).
    expect((await store.hosts.get(hostId))?.lastSeen).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    other.exec("COMMIT");
    other.close();
    expect(await write).toEqual(["stored"]);
    // The series the worker made is found by the main connection's reads.
    expect(await store.metrics.raw({ hostId, containerId: id, from: 0, to: 120_000 })).toHaveLength(1);
    expect((await store.hosts.get(hostId))?.lastSeen).toBe(60_000);
  });

  it("rejects a write whose transaction failed, stores nothing of it, and goes on with the next", async () => {
    const id = newContainerId();
    const other = new DatabaseSync(path);
    // Held past the worker's busy timeout (5 s, configure): its write fails as "database is locked".
    other.exec("BEGIN IMMEDIATE");
    const failed = store.telemetry.write([batch(1, id, 60_000)]);
    await expect(failed).rejects.toThrow(/locked/);
    other.exec("ROLLBACK");
    other.close();
    expect(await store.metrics.raw({ hostId, containerId: id, from: 0, to: 120_000 })).toEqual([]);
    // Not stored, so not a duplicate when it comes again.
    expect(await store.telemetry.write([batch(1, id, 60_000)])).toEqual(["stored"]);
  }, 20_000);

  it("commits the writes already sent before the store closes", async () => {
    const id = newContainerId();
    const writes = [1, 2, 3].map((seq) => store.telemetry.write([batch(seq, id, seq * 60_000)]));
    await store.close();
    expect(await Promise.all(writes)).toEqual([["stored"], ["stored"], ["stored"]]);
    await expect(store.telemetry.write([batch(4, id, 240_000)])).rejects.toThrow(/closed/);
    store = await openStore({ database: { backend: "sqlite", path } });
    expect(await store.metrics.raw({ hostId, containerId: id, from: 0, to: 300_000 })).toHaveLength(3);
  });

  it("is handed a batch that has its frame's JSON as a copy of those bytes alone by the write queue, and stores it", async () => {
    const id = newContainerId();
    const message = { type: "metrics" as const, seq: 1, samples: [metricSample(id, 60_000)] };
    const text = JSON.stringify(message);
    // As a socket's read may hold a frame: a view into a larger buffer.
    const chunk = Buffer.from(`${"#".repeat(100)}${text}${"#".repeat(100)}`);
    const json = chunk.subarray(100, 100 + text.length);
    expect(store.telemetry.parsesJson).toBe(true);
    const queue = new WriteQueue(store.telemetry, new StorageHealth());
    const handed = vi.spyOn(store.telemetry, "write");
    expect(await queue.enqueue({ kind: "batch", hostId, at: 60_000, message, json })).toBe("stored");
    // The parsed message, relayed already, is not what waits for the writer; nor is the chunk.
    expect(handed.mock.calls).toEqual([
      [[{ kind: "batch-json", hostId, at: 60_000, json: expect.anything() }]],
    ]);
    const [[[write]]] = handed.mock.calls as unknown as [[[{ json: Uint8Array }]]];
    const held = write.json;
    expect(Buffer.from(held).toString()).toBe(text);
    expect(held.buffer.byteLength).toBe(text.length);
    expect(await queue.enqueue({ kind: "batch", hostId, at: 60_000, message })).toBe("duplicate");
    expect(await store.metrics.raw({ hostId, containerId: id, from: 0, to: 120_000 })).toHaveLength(1);
  });

  it("weighs a batch held as JSON by its bytes: one padded with what decode drops fills the backlog", async () => {
    const id = newContainerId();
    const message = { type: "metrics" as const, seq: 1, samples: [metricSample(id, 60_000)] };
    // Ajv removes the key, zod would too: the message is one sample, its JSON 4 MiB.
    const json = Buffer.from(JSON.stringify({ ...message, padding: "x".repeat(4 * 1024 * 1024 - 400) }));
    const queue = new WriteQueue(store.telemetry, new StorageHealth(), 4_000, 10_000);
    const stored = queue.enqueue({ kind: "batch", hostId, at: 60_000, message, json });
    expect(queue.full).toBe(true);
    expect(await stored).toBe("stored");
    expect(queue.full).toBe(false);
    // The same batch without its JSON weighs its rows (3).
    void queue.enqueue({ kind: "batch", hostId, at: 60_000, message: { ...message, seq: 2 } });
    expect(queue.full).toBe(false);
    await queue.settled(null);
  });

  it("leaves out what the configured retention would delete: openStore's window reaches the thread", async () => {
    await store.close();
    const day = 86_400_000;
    const retention = { rawMetricsMs: day, rollupMetricsMs: 2 * day, logsMs: day };
    store = await openStore({ database: { backend: "sqlite", path }, retention });
    const id = newContainerId();
    const at = Date.now();
    const samples = [metricSample(id, at - 3 * day), metricSample(id, at - day)];
    await store.telemetry.write([
      { kind: "batch", hostId, at, message: { type: "metrics", seq: 1, samples } },
    ]);
    expect(store.telemetry.outsideWindow()).toEqual({ [hostId]: { samples: 1, lines: 0 } });
    const stored = await store.metrics.raw({ hostId, containerId: id, from: 0, to: at });
    expect(stored.map((p) => p.t)).toEqual([at - day]);
  });
});
