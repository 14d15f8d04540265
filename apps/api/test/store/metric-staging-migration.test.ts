import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { metricStagingMigration } from "../../src/store/sqlite/migrations/014-metric-staging.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { containerId as newContainerId } from "../support/samples.ts";
import { countRows, oldSchemaFile, packStaged } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-staging-migration-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MINUTE = 60_000;

/**
 * A file written by schema 13, its newest samples head rows: upgraded in place and opened, the head
 * rows are staged (metric-packer.ts adoptHeadRows), read as before, and packed like any staging.
 */
describe("migration 14: staging instead of head rows", () => {
  it("moves a file's head rows into staging, reads them the same, and packs them", async () => {
    const path = join(dir, "v13.db");
    const id = newContainerId();
    const db = oldSchemaFile(path, metricStagingMigration.version, id);
    const head = db.prepare(`
      INSERT INTO metric_head (series, t, cpu_percent, online_cpus, mem_used, mem_limit, net_rx, net_tx, blk_read, blk_write, pids)
      VALUES (1, ?, ?, 2, ?, 1000000, ?, 8, 9, 10, 1)`);
    head.run(3 * MINUTE, 10.125, 500, 7);
    head.run(3 * MINUTE + 1_000, 20.5, 501, null);
    head.run(4 * MINUTE, 30.75, 502, 9);
    db.close();

    const store = await openSqliteStore(path);
    try {
      expect(countRows(path, "metric_head")).toBe(0);
      expect(countRows(path, "metric_staging")).toBe(2);
      const range = { hostId: "h1", containerId: id, from: 0, to: 10 * MINUTE };
      const raw = await store.metrics.raw(range);
      expect(raw.map((p) => [p.t, p.cpuPercent, p.memUsedBytes, p.netRxBytes, p.netTxBytes])).toEqual([
        [3 * MINUTE, 10.125, 500, 7, 8],
        [3 * MINUTE + 1_000, 20.5, 501, null, 8],
        [4 * MINUTE, 30.75, 502, 9, 8],
      ]);
      const rollups = await store.metrics.rollups(range);
      expect(rollups.map((p) => [p.t, p.cpuPercent])).toEqual([
        [3 * MINUTE, (10.125 + 20.5) / 2],
        [4 * MINUTE, 30.75],
      ]);

      // Packed now: the two minutes, their hour long over by the clock, one hour chunk (packHoursDue),
      // and their rollups one rollup chunk, read as it keeps a minute (rollup-chunk.ts): CPU to a
      // hundredth of a percentage point, memory to the byte.
      await packStaged(store);
      expect(countRows(path, "metric_staging")).toBe(0);
      expect(countRows(path, "metric_chunks")).toBe(1);
      expect(countRows(path, "metric_rollup_chunks")).toBe(1);
      expect(await store.metrics.raw(range)).toEqual(raw);
      expect(await store.metrics.rollups(range)).toEqual([
        { ...rollups[0], cpuPercent: 15.31, cpuPercentMin: 10.13, memUsedBytes: 501 },
        rollups[1],
      ]);
    } finally {
      await store.close();
    }
    // Opened again: nothing left to move.
    const again = await openSqliteStore(path);
    await again.close();
    expect(countRows(path, "metric_staging")).toBe(0);
  });
});
