import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { headUncountedMigration } from "../../src/store/sqlite/migrations/013-head-uncounted.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { oldSchemaFile, writeSamples } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-head-uncounted-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MINUTE = 60_000;

/**
 * A file written by schema 12, whose writer counted every sample in its minute's rollup row as it
 * stored it, head rows included: upgraded in place, the head's minute reads as the same rollup,
 * before and after the series' next minute packs it, and its samples are counted once (which an
 * average shows once a late sample joins the minute).
 */
describe("migration 13: the head is not counted in the stored rollups", () => {
  it("takes the head rows back out of their rollup rows, so a file of schema 12 reads the same", async () => {
    const path = join(dir, "v12.db");
    const id = newContainerId();
    const db = oldSchemaFile(path, headUncountedMigration.version, id);
    // Minute 2 packed before (its raw chunk left out: rollups do not read it); minute 3 in the head,
    // three samples, counted in its row as schema 12's writer did (CPU rounded to thousandths).
    const rollup = db.prepare(`
      INSERT INTO metric_rollups (series, minute, n, cpu_sum, cpu_min, cpu_max, mem_sum, mem_min, mem_max, mem_limit,
                                  net_rx, net_tx, blk_read, blk_write, pids_sum)
      VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, 1000000, 7, 8, 9, 10, ?)`);
    rollup.run(2 * MINUTE, 2, 30, 10, 20, 2_000, 900, 1_100, 2);
    rollup.run(3 * MINUTE, 3, 10.125 + 20.001 + 30.75, 10.125, 30.75, 1_503, 500, 502, 3);
    const head = db.prepare(`
      INSERT INTO metric_head (series, t, cpu_percent, online_cpus, mem_used, mem_limit, net_rx, net_tx, blk_read, blk_write, pids)
      VALUES (1, ?, ?, 2, ?, 1000000, 7, 8, 9, 10, 1)`);
    head.run(3 * MINUTE, 10.125, 500);
    head.run(3 * MINUTE + 1_000, 20.0008, 501);
    head.run(3 * MINUTE + 2_000, 30.75, 502);
    db.close();

    const store = await openSqliteStore(path);
    try {
      const range = { hostId: "h1", containerId: id, from: 0, to: 10 * MINUTE };
      const minute3 = {
        t: 3 * MINUTE,
        cpuPercent: (10.125 + 20.001 + 30.75) / 3,
        cpuPercentMin: 10.125,
        cpuPercentMax: 30.75,
        memUsedBytes: 501,
        memUsedBytesMin: 500,
        memUsedBytesMax: 502,
        memLimitBytes: 1_000_000,
        netRxBytes: 7,
        netTxBytes: 8,
        blkReadBytes: 9,
        blkWriteBytes: 10,
        pids: 1,
      };
      const [two, three] = await store.metrics.rollups(range);
      expect(two).toMatchObject({ t: 2 * MINUTE, cpuPercent: 15, memUsedBytes: 1_000, pids: 1 });
      expect(three?.cpuPercent).toBeCloseTo(minute3.cpuPercent, 9);
      expect(three).toEqual({ ...minute3, cpuPercent: three?.cpuPercent });

      // A sample of minute 4 packs minute 3, counting its samples once.
      await writeSamples(store, 1, [metricSample(id, 4 * MINUTE)]);
      const after = await store.metrics.rollups(range);
      expect(after).toHaveLength(3);
      expect(after[0]).toEqual(two);
      expect(after[1]?.cpuPercent).toBeCloseTo(minute3.cpuPercent, 9);
      expect(after[1]).toEqual({ ...minute3, cpuPercent: after[1]?.cpuPercent });
      expect(after[2]).toMatchObject({ t: 4 * MINUTE, cpuPercent: 12.5 });

      // A late sample of minute 3 weighs one sample of four (counted twice, it would weigh one of seven).
      await writeSamples(store, 2, [metricSample(id, 3 * MINUTE + 3_000, 80)]);
      const [, late] = await store.metrics.rollups(range);
      expect(late?.cpuPercent).toBeCloseTo((10.125 + 20.001 + 30.75 + 80) / 4, 9);
      expect(late).toMatchObject({ cpuPercentMax: 80, memUsedBytes: (1_503 + 1_000_000) / 4 });
    } finally {
      await store.close();
    }
  });
});
