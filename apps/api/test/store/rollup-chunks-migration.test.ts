import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rollupChunksMigration } from "../../src/store/sqlite/migrations/011-rollup-chunks.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { countRows, oldSchemaFile, packStaged, writeSamples } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-rollup-chunks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A file written by the schema before migration 11 (every rollup a row): upgraded in place, its
 * rollups read as before; its rows of hours over by the clock become one chunk per hour, an hour at a
 * time (migration 24's index finds them, with no sample of the series), and read the same; a late sample of a packed hour joins its chunk; retention deletes a
 * chunk once its whole hour is past.
 */
describe("migration 11: rollup chunks", () => {
  it("keeps a previous file's rollups, packs them by hour once their hours are over, and reads them the same", async () => {
    const path = join(dir, "v10.db");
    const id = newContainerId();
    const db = oldSchemaFile(path, rollupChunksMigration.version, id);
    const rollup = db.prepare(`
      INSERT INTO metric_rollups (series, minute, n, cpu_sum, cpu_min, cpu_max, mem_sum, mem_min, mem_max, mem_limit,
                                  net_rx, net_tx, blk_read, blk_write, pids_sum)
      VALUES (1, ?, 3, ?, 10.25, 30.75, 1503, 500, 502, 1000000, ?, 7, 8, 9, 9)`);
    rollup.run(MINUTE, 61.5, 1_002);
    rollup.run(2 * MINUTE, 60, 2_002);
    rollup.run(HOUR + MINUTE, 45, null);
    db.close();

    const store = await openSqliteStore(path);
    try {
      const range = { hostId: "h1", containerId: id, from: 0, to: 3 * HOUR };
      const before = await store.metrics.rollups(range);
      expect(before.map((p) => [p.t, p.cpuPercent, p.cpuPercentMin, p.cpuPercentMax, p.netRxBytes])).toEqual([
        [MINUTE, 20.5, 10.25, 30.75, 1_002],
        [2 * MINUTE, 20, 10.25, 30.75, 2_002],
        [HOUR + MINUTE, 15, 10.25, 30.75, null],
      ]);
      expect(before[0]).toMatchObject({
        memUsedBytes: 501,
        memUsedBytesMin: 500,
        memUsedBytesMax: 502,
        pids: 3,
      });

      // Packed with no sample of the series: its rows found by their index, an hour for a budget of
      // one, and they read the same, as a chunk keeps a minute (CPU to a hundredth: all are here).
      expect(await store.retention.packRawMetrics?.(Date.now(), 1)).toBe(2);
      expect([countRows(path, "metric_rollup_chunks"), countRows(path, "metric_rollups")]).toEqual([1, 1]);
      await packStaged(store);
      expect([countRows(path, "metric_rollup_chunks"), countRows(path, "metric_rollups")]).toEqual([2, 0]);
      expect(await store.metrics.rollups(range)).toEqual(before);

      // A sample of hour 2, staged: counted by the reader until it is packed (migration 14).
      await writeSamples(store, 1, [metricSample(id, 2 * HOUR + 5_000, 12.5)]);
      const after = [
        ...before,
        expect.objectContaining({ t: 2 * HOUR, cpuPercent: 12.5, cpuPercentMin: 12.5, cpuPercentMax: 12.5 }),
      ];
      expect(await store.metrics.rollups(range)).toEqual(after);
      // Packed: hour 2 is long over by the clock, its rollup row a chunk with its raw hour.
      await packStaged(store);
      expect(countRows(path, "metric_rollup_chunks")).toBe(3);
      expect(countRows(path, "metric_rollups")).toBe(0);
      expect(await store.metrics.rollups(range)).toEqual(after);

      // A late sample of minute 1 (hour 0, packed; staged) is read with the chunk's minute 1, then
      // counted in that chunk, not as a row, once packed; so is one of hour 2, in its chunk.
      await writeSamples(store, 2, [metricSample(id, MINUTE + 30_000, 50.125, 1_000_001)]);
      const lateFromStaging = await store.metrics.rollups({ ...range, to: MINUTE });
      await writeSamples(store, 3, [metricSample(id, 2 * HOUR + MINUTE, 12.5)]);
      await packStaged(store);
      expect(countRows(path, "metric_rollups")).toBe(0);
      expect(countRows(path, "metric_rollup_chunks")).toBe(3);
      expect(lateFromStaging).toEqual([
        expect.objectContaining({
          t: MINUTE,
          cpuPercent: (61.5 + 50.125) / 4,
          cpuPercentMin: 10.25,
          cpuPercentMax: 50.125,
          memUsedBytesMax: 1_000_001,
          pids: 10 / 4,
        }),
      ]);
      // Counted in the chunk, rewritten as format 3 keeps a minute (rollup-chunk.ts): CPU to a
      // hundredth of a percentage point, memory (not in whole pages) to the byte, pids whole.
      expect(await store.metrics.rollups({ ...range, to: MINUTE })).toEqual([
        { ...lateFromStaging[0], cpuPercent: 27.91, cpuPercentMax: 50.13, pids: 3 },
      ]);

      // Half of hour 1 is past the bound: only hour 0's chunk (its two minutes) goes.
      expect(await store.retention.deleteRollupsBefore(HOUR + 30 * MINUTE, 10)).toBe(2);
      expect((await store.metrics.rollups(range)).map((p) => p.t)).toEqual([
        HOUR + MINUTE,
        2 * HOUR,
        2 * HOUR + MINUTE,
      ]);
    } finally {
      await store.close();
    }
  });
});
