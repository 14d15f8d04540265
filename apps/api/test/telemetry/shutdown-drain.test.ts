import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createHostWithCredential } from "../../src/auth/host-credential.ts";
import { StorageHealth } from "../../src/ingest/storage-health.ts";
import { WriteQueue } from "../../src/ingest/write-queue.ts";
import { defaultDatabase } from "../../src/store/database-url.ts";
import { openStore } from "../../src/store/open-store.ts";
import { containerId, logLine } from "../support/samples.ts";

// Graceful shutdown (SIGINT/SIGTERM → server.close()) ends with WriteQueue.drain(): every write
// still queued is stored before the process exits. Here against the real SQLite file, with a
// flush size small enough that the queue needs many flushes to empty.
const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-drain-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("the write queue at shutdown", () => {
  it("stores every queued batch before drain() resolves, across many small flushes", async () => {
    const store = await openStore({ database: defaultDatabase(dataDir) });
    const { host } = await createHostWithCredential(store, "draining", Date.now());
    const id = containerId();
    const queue = new WriteQueue(store.telemetry, new StorageHealth(), 10);
    // Recent times: the store leaves out telemetry older than its longest retention.
    const t0 = Date.now() - 60_000;
    const results = Array.from({ length: 50 }, (_, batch) =>
      queue.enqueue({
        kind: "batch",
        hostId: host.id,
        at: Date.now(),
        message: {
          type: "logs",
          seq: batch + 1,
          lines: Array.from({ length: 5 }, (_, i) =>
            logLine(id, t0 + batch * 5 + i, `line ${batch * 5 + i}`),
          ),
          drops: [],
        },
      }),
    );
    await queue.drain();
    await store.close();

    const reopened = await openStore({ database: defaultDatabase(dataDir) });
    try {
      const page = await reopened.logs.query({
        hostId: host.id,
        containerId: id,
        from: "0000-01-01T00:00:00.000000000Z",
        to: "9999-12-31T23:59:59.999999999Z",
        words: null,
        stream: null,
        limit: 1_000,
        before: null,
      });
      expect(page.lines.map((l) => l.text)).toEqual(Array.from({ length: 250 }, (_, i) => `line ${i}`));
      expect(await reopened.hosts.lastStoredSeq(host.id)).toBe(50);
    } finally {
      await reopened.close();
    }
    expect(await Promise.all(results)).toEqual(Array(50).fill("stored"));
  });
});
