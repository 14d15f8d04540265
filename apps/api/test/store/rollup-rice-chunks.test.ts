import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { MetricSample } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { metricSample, containerId as newContainerId } from "../support/samples.ts";
import { oldSchemaFile, packStaged } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-rollup-rice-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PAGE = 4096;

/**
 * An hour's rollup chunk as the codec before Rice codes wrote it (format 1: varint deltas, then
 * zstd; made by encodeRollups of commit 1a42414): minute 1 of 3 samples (CPU sum 61.5, min 10.25,
 * max 30.75; memory 500–502 pages, sum 3 × 501; network rx 1,002, tx null; blocks 8 and 9; pids
 * sum 9) and minute 2 of 60 (CPU sum 1,200, min 5.125, max 99.999; memory 470–490 pages, sum
 * 60 × 480; rx 2,002, tx null; blocks 4,104 and 9; pids sum 300).
 */
const FORMAT_1_HOUR =
  "KLUv/SBLWQIAAQIEBaYdph0ABnIEAp7wAaLfIgCUoAGJUAC84AOCuggEDL4XwqoDBA30Ax0EDfYDCwQQgIAQAAQB6gfoBwIDBAMCgAgAEgAAEsYE";

function chunkFormat(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const { data } = db.prepare("SELECT data FROM metric_rollup_chunks").get() as { data: Uint8Array };
    return data[0] as number;
  } finally {
    db.close();
  }
}

/**
 * Rollup chunks in a new format (Rice codes, format 2; averages, format 3) need no schema change: a
 * file of the current schema keeps its zstd chunks, which read as before, and a chunk is rewritten
 * in the newest format when a late sample is merged into it.
 */
describe("rollup chunks of the zstd format in a file of the current schema", () => {
  it("read as before, and a late sample merged into one rewrites it in the newest format", async () => {
    const path = join(dir, "zstd-chunks.db");
    const id = newContainerId();
    const db = oldSchemaFile(path, Number.POSITIVE_INFINITY, id);
    db.prepare("INSERT INTO metric_rollup_chunks (series, hour, n, data) VALUES (1, 0, 2, ?)").run(
      Buffer.from(FORMAT_1_HOUR, "base64"),
    );
    db.close();
    expect(chunkFormat(path)).toBe(0x28); // a zstd frame

    const store = await openSqliteStore(path);
    try {
      const range = { hostId: "h1", containerId: id, from: 0, to: 2 * HOUR };
      const minute1 = {
        t: MINUTE,
        cpuPercent: 20.5,
        cpuPercentMin: 10.25,
        cpuPercentMax: 30.75,
        memUsedBytes: 501 * PAGE,
        memUsedBytesMin: 500 * PAGE,
        memUsedBytesMax: 502 * PAGE,
        memLimitBytes: 8 * 1024 ** 3,
        netRxBytes: 1_002,
        netTxBytes: null,
        blkReadBytes: 8,
        blkWriteBytes: 9,
        pids: 3,
      };
      const minute2 = {
        t: 2 * MINUTE,
        cpuPercent: 20,
        cpuPercentMin: 5.125,
        cpuPercentMax: 99.999,
        memUsedBytes: 480 * PAGE,
        memUsedBytesMin: 470 * PAGE,
        memUsedBytesMax: 490 * PAGE,
        memLimitBytes: 8 * 1024 ** 3,
        netRxBytes: 2_002,
        netTxBytes: null,
        blkReadBytes: 4_104,
        blkWriteBytes: 9,
        pids: 5,
      };
      expect(await store.metrics.rollups(range)).toEqual([minute1, minute2]);

      // A sample of hour 1, then a late one of minute 1: hour 0's chunk is merged and rewritten.
      await store.telemetry.write([
        {
          kind: "batch",
          hostId: "h1",
          at: 1,
          message: { type: "metrics", seq: 1, samples: [metricSample(id, HOUR + 5_000)] },
        },
      ]);
      await store.telemetry.write([
        {
          kind: "batch",
          hostId: "h1",
          at: 2,
          message: {
            type: "metrics",
            seq: 2,
            samples: [metricSample(id, MINUTE + 30_000, 50.125, 600 * PAGE)],
          },
        },
      ]);
      // The late sample is staged until packed.
      await store.telemetry.write([
        {
          kind: "batch",
          hostId: "h1",
          at: 3,
          message: { type: "metrics", seq: 3, samples: [metricSample(id, HOUR + MINUTE)] },
        },
      ]);
      await packStaged(store);
      // Rewritten in format 3 (rollup-chunk.ts): averages kept, CPU to a hundredth of a percentage
      // point, memory to the page, pids whole; minima, maxima and the rest as they were.
      expect(chunkFormat(path)).toBe(3);
      const [merged, second] = await store.metrics.rollups(range);
      expect(merged).toEqual({
        ...minute1,
        cpuPercent: 27.91, // (61.5 + 50.125) / 4 = 27.906…
        cpuPercentMax: 50.13, // 50.125, half a hundredth rounded up
        memUsedBytes: 526 * PAGE, // (3 × 501 + 600) / 4 = 525.75 pages
        memUsedBytesMax: 600 * PAGE,
        pids: 3, // 10 / 4
      });
      expect(second).toEqual({ ...minute2, cpuPercentMin: 5.13, cpuPercentMax: 100 });
    } finally {
      await store.close();
    }
  });
});

/**
 * A chunk keeps a minute to a chart's precision (format 3), so a late sample's rollup merged into
 * it would round the minute again at each merge: the minute is counted again from all its samples
 * instead (RollupWriter.recount), and stays within half a step of its exact figures however many
 * late samples join it one by one.
 */
describe("late samples joining a packed minute one at a time", () => {
  /** A store on a new file of the current schema (host h1), and a write of samples arriving at `at`. */
  async function freshStore(name: string) {
    const path = join(dir, name);
    const id = newContainerId();
    oldSchemaFile(path, Number.POSITIVE_INFINITY, id).close();
    const store = await openSqliteStore(path);
    let seq = 0;
    const write = async (samples: MetricSample[], at = seq + 1) => {
      seq += 1;
      await store.telemetry.write([
        { kind: "batch", hostId: "h1", at, message: { type: "metrics", seq, samples } },
      ]);
    };
    return { path, id, store, write };
  }

  it("keep the minute within half a step of what all its samples give", async () => {
    const { path, id, store, write: writeAt } = await freshStore("late-one-by-one.db");
    try {
      const write = async (samples: MetricSample[]) => {
        await writeAt(samples);
        await packStaged(store);
      };
      const sample = (t: number, cpu: number, pages: number, pids: number) => ({
        ...metricSample(id, t, cpu, pages * PAGE),
        pids,
      });
      // Minute 5 of hour 0, then a sample of hour 1: hour 0's rollups are packed into a chunk.
      await write([sample(5 * MINUTE, 0.015, 2, 2)]);
      await write([sample(HOUR + MINUTE, 1, 1, 1)]);
      expect(chunkFormat(path)).toBe(3);
      // Five late samples of minute 5, each in a write and a packing of its own.
      for (let i = 1; i <= 5; i++) await write([sample(5 * MINUTE + i * 1_000, 0.01, 1, 1)]);
      const [minute5] = await store.metrics.rollups({ hostId: "h1", containerId: id, from: 0, to: HOUR - 1 });
      // Exact: CPU (0.015 + 5 × 0.01) / 6 = 0.0108 %, memory 7/6 pages, pids 7/6; merged one by one
      // into the rounded minute they read 0.02 %, 2 pages and 2 pids.
      expect(minute5).toMatchObject({
        t: 5 * MINUTE,
        cpuPercent: 0.01,
        cpuPercentMin: 0.01,
        cpuPercentMax: 0.02, // 0.015, half a hundredth rounded up
        memUsedBytes: PAGE,
        memUsedBytesMax: 2 * PAGE,
        pids: 1,
      });
    } finally {
      await store.close();
    }
  });

  it("merge into a minute whose raw samples are not all kept, counting those that are gone", async () => {
    const { id, store, write: writeAt } = await freshStore("late-after-raw-retention.db");
    try {
      const write = async (samples: MetricSample[]) => {
        await writeAt(samples);
        await packStaged(store);
      };
      // Minutes 0-3 of hour 0, six samples each, packed while hour 0 is not over by the arrival
      // clock (minute chunks); raw retention then takes minutes 0 and 1.
      await writeAt(
        Array.from({ length: 24 }, (_, i) => metricSample(id, i * 10_000, 10)),
        4 * MINUTE,
      );
      await store.retention.packRawMetrics?.(5 * MINUTE, 1_000);
      expect(await store.retention.deleteRawMetricsBefore(2 * MINUTE, 100)).toBe(12);
      // Hour 1 begins: hour 0's rollups and what is left of its samples become its chunks.
      await write([metricSample(id, HOUR, 10)]);
      // A late sample of minute 0: its raw chunk (hour 0's) holds none of the six it counted.
      await write([metricSample(id, 5_000, 80)]);
      const [minute0] = await store.metrics.rollups({
        hostId: "h1",
        containerId: id,
        from: 0,
        to: MINUTE - 1,
      });
      expect(minute0).toMatchObject({ t: 0, cpuPercent: 20, cpuPercentMax: 80 }); // (6 × 10 + 80) / 7
    } finally {
      await store.close();
    }
  });
});
