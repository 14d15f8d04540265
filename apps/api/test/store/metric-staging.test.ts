import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { MetricSample } from "@crowsnest/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MINUTE } from "../../src/store/metric-chunk.ts";
import { PACK_GRACE_MS } from "../../src/store/sqlite/metric-packer.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";

const SECOND = 1_000;

/**
 * SQLite's staging (migration 14), through a store on a file as the server opens it (the writer in
 * its thread): samples are staged as they arrive and packed into chunks once the minute they
 * arrived in is over, by the arrival clock of the writes; reads are the same before and after; a
 * packing failure refuses no write; deleting a host takes its staged samples.
 */
describe("SQLite metric staging", () => {
  let dir: string;
  let path: string;
  let store: Store;
  let hostId: string;
  let seq = 0;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "crowsnest-staging-"));
    path = join(dir, "crowsnest.db");
    store = await openSqliteStore(path);
    hostId = (await store.hosts.create("h", 0, anyCredential())).id;
    seq = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function write(samples: MetricSample[], at: number) {
    seq += 1;
    return store.telemetry.write([{ kind: "batch", hostId, at, message: { type: "metrics", seq, samples } }]);
  }

  /** Rows of a table, read on a connection of the test's own. */
  function count(table: string): number {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  }

  it("packs staged samples once the minute they arrived in is over, and reads them the same", async () => {
    const id = newContainerId();
    const range = { hostId, containerId: id, from: 0, to: 10 * MINUTE };
    // Two and a half minutes of samples, every 10 s, arriving in minute 0; one resent.
    const samples = Array.from({ length: 15 }, (_, i) => metricSample(id, i * 10 * SECOND, i));
    await write(samples.slice(0, 10), 10 * SECOND);
    await write([...samples.slice(9), samples[3] as MetricSample], 20 * SECOND);
    expect(count("metric_staging")).toBe(2);
    expect(count("metric_chunks")).toBe(0);
    const raw = await store.metrics.raw(range);
    expect(raw.map((p) => p.t)).toEqual(samples.map((s) => s.t));
    const rollups = await store.metrics.rollups(range);
    expect(rollups.map((p) => [p.t, p.cpuPercent])).toEqual([
      [0, 2.5],
      [MINUTE, 8.5],
      [2 * MINUTE, 13],
    ]);

    // Minute 0 is over, but not yet for PACK_GRACE_MS: its staging waits.
    await write([metricSample(id, 150 * SECOND, 15)], MINUTE + PACK_GRACE_MS - 1);
    expect(count("metric_chunks")).toBe(0);
    // Now it is due: the group is packed whole, the row that arrived in minute 1 too.
    await write([metricSample(id, 160 * SECOND, 16)], MINUTE + PACK_GRACE_MS);
    expect(count("metric_staging")).toBe(0);
    expect(count("metric_chunks")).toBe(3);
    expect(await store.metrics.raw(range)).toEqual([
      ...raw,
      ...(await store.metrics.raw({ ...range, from: 150 * SECOND })),
    ]);
    expect((await store.metrics.raw(range)).map((p) => p.t)).toEqual([
      ...samples.map((s) => s.t),
      150 * SECOND,
      160 * SECOND,
    ]);
    const packed = await store.metrics.rollups(range);
    expect(packed.slice(0, 2)).toEqual(rollups.slice(0, 2));
    expect(packed[2]).toMatchObject({ t: 2 * MINUTE, cpuPercent: (12 + 13 + 14 + 15 + 16) / 5 });
    // Nothing is left for the retention sweep to pack.
    expect(await store.retention.packRawMetrics?.(10 * MINUTE, 1_000)).toBe(0);
  });

  it("commits a write whose packing fails, its samples staged, and packs once the staging can be read", async () => {
    const id = newContainerId();
    await write([metricSample(id, 0)], 0);
    // A staging row of the same group that no writer made (a damaged file), due at once.
    const own = new DatabaseSync(path);
    try {
      own.exec("PRAGMA busy_timeout = 5000");
      const { hostId: host, grp } = own
        .prepare("SELECT host_id AS hostId, grp FROM metric_staging")
        .get() as {
        hostId: string;
        grp: number;
      };
      own
        .prepare("INSERT INTO metric_staging (host_id, grp, arrived, data) VALUES (?, ?, 0, ?)")
        .run(host, grp, new Uint8Array(24));
      expect(await write([metricSample(id, SECOND)], 2 * MINUTE)).toEqual(["stored"]);
      expect(count("metric_chunks")).toBe(0);
      expect(count("metric_staging")).toBe(3);

      own.exec("DELETE FROM metric_staging WHERE length(data) = 24");
    } finally {
      own.close();
    }
    expect(await write([metricSample(id, 2 * SECOND)], 2 * MINUTE)).toEqual(["stored"]);
    expect(count("metric_staging")).toBe(0);
    expect(
      (await store.metrics.raw({ hostId, containerId: id, from: 0, to: MINUTE })).map((p) => p.t),
    ).toEqual([0, SECOND, 2 * SECOND]);
  });

  it("deletes a host's staged samples with the host", async () => {
    const now = Date.now();
    await write([metricSample(newContainerId(), now)], now);
    expect(count("metric_staging")).toBe(1);
    expect(await store.hosts.delete(hostId)).toBe(true);
    expect(count("metric_staging")).toBe(0);
  });
});
