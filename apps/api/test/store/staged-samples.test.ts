import { describe, expect, it } from "vitest";
import type { SeriesSample } from "../../src/store/metric-chunk.ts";
import {
  decodeStaged,
  encodeStaged,
  SeriesColumns,
  StagedRow,
  StagedRows,
  type StagedSample,
  seriesSamples,
  stagingGroup,
} from "../../src/store/sqlite/staged-samples.ts";

function sample(t: number, extra: Partial<SeriesSample> = {}): SeriesSample {
  return {
    t,
    cpuPercent: 12.345,
    onlineCpus: 4,
    memUsedBytes: 2 ** 40 + t,
    memLimitBytes: 2 ** 53 - 1,
    netRxBytes: 7,
    netTxBytes: null,
    blkReadBytes: 0,
    blkWriteBytes: 9,
    pids: 2 ** 31 - 1,
    ...extra,
  };
}

/** A row decoded, failing the test with its error when it does not decode. */
function decoded(data: Uint8Array): StagedRow {
  const row = decodeStaged(data);
  if (!(row instanceof StagedRow)) throw row;
  return row;
}

/** The staging row codec (migration 14): what goes in comes out, found by series. */
describe("staged samples", () => {
  it("reads back every sample of each series, in time order, nulls kept, from a row in any order", () => {
    const staged: StagedSample[] = [
      { series: 40, sample: sample(3_000) },
      { series: 7, sample: sample(2_000, { netRxBytes: null }) },
      { series: 40, sample: sample(1_000, { cpuPercent: 0 }) },
      { series: 7, sample: sample(1_000) },
      { series: 12, sample: sample(5_000) },
    ];
    const row = decoded(encodeStaged([...staged]));
    expect(row.n).toBe(5);
    expect(seriesSamples([row], 7)).toEqual([sample(1_000), sample(2_000, { netRxBytes: null })]);
    expect(seriesSamples([row], 12)).toEqual([sample(5_000)]);
    expect(seriesSamples([row], 40)).toEqual([sample(1_000, { cpuPercent: 0 }), sample(3_000)]);
    for (const absent of [0, 8, 13, 41]) expect(seriesSamples([row], absent)).toEqual([]);
  });

  it("reads a row whose bytes do not start on an 8-byte boundary", () => {
    const bytes = encodeStaged([{ series: 1, sample: sample(1) }]);
    const shifted = new Uint8Array(bytes.byteLength + 3).subarray(3);
    shifted.set(bytes);
    expect(seriesSamples([decoded(shifted)], 1)).toEqual([sample(1)]);
  });

  it("refuses bytes that are not a staging row", () => {
    const bytes = encodeStaged([{ series: 1, sample: sample(1) }]);
    expect(decodeStaged(bytes.subarray(0, bytes.byteLength - 8))).toEqual(
      new Error("a staging row of 88 bytes does not hold 1 samples"),
    );
    expect(decodeStaged(new Uint8Array(13))).toEqual(
      new Error("a staging row of 13 bytes is not one of 64-bit values"),
    );
    expect(decodeStaged(new Uint8Array(0))).toEqual(
      new Error("a staging row of 0 bytes is not one of 64-bit values"),
    );
  });

  it("copies rows into one buffer, read back the same through its growth and after a reset", () => {
    const staged = new StagedRows();
    // 300 rows of 7 series × 2 samples (155 values each) outgrow the first buffer of 1,024 values many times over.
    const blobs = Array.from({ length: 300 }, (_, r) =>
      encodeStaged(
        Array.from({ length: 14 }, (_, i) => ({ series: r + (i % 7), sample: sample(1_000 * r + i) })),
      ),
    );
    for (let round = 0; round < 2; round++) {
      const rows = blobs.map((blob) => staged.read(blob));
      for (const [r, row] of rows.entries()) {
        expect(row).toBeInstanceOf(StagedRow);
        expect(seriesSamples([row as StagedRow], r + 3)).toEqual([
          sample(1_000 * r + 3),
          sample(1_000 * r + 10),
        ]);
      }
      staged.reset();
    }
  });

  it("gives the error of a blob that is not a staging row, and the next row its place", () => {
    const staged = new StagedRows();
    const good = encodeStaged([{ series: 5, sample: sample(1) }]);
    expect(staged.read(good.subarray(8))).toEqual(
      new Error("a staging row of 88 bytes does not hold 5 samples"),
    );
    expect(staged.read(new Uint8Array(12))).toEqual(
      new Error("a staging row of 12 bytes is not one of 64-bit values"),
    );
    const row = staged.read(good);
    expect(row).toBeInstanceOf(StagedRow);
    expect(seriesSamples([row as StagedRow], 5)).toEqual([sample(1)]);
  });

  it("throws, rather than call a row damaged, when its buffer cannot be had", () => {
    const staged = new StagedRows();
    const big = encodeStaged(Array.from({ length: 200 }, (_, i) => ({ series: i, sample: sample(i) })));
    const real = globalThis.Float64Array;
    // A Float64Array of 1,024 values or more cannot be had: what a memory limit does to a large group.
    globalThis.Float64Array = new Proxy(real, {
      construct(target, args) {
        if (typeof args[0] === "number" && args[0] >= 1024)
          throw new RangeError("Array buffer allocation failed");
        return Reflect.construct(target, args);
      },
    });
    try {
      expect(() => staged.read(big)).toThrow(RangeError);
    } finally {
      globalThis.Float64Array = real;
    }
    expect(seriesSamples([staged.read(big) as StagedRow], 7)).toEqual([sample(7)]);
  });

  it("groups 128 consecutive series ids", () => {
    expect([0, 127, 128, 255, 256, 2 ** 40].map(stagingGroup)).toEqual([0, 0, 1, 1, 2, 2 ** 33]);
  });

  it("gathers a series from rows in write order: in time order, the first of a resent time kept", () => {
    const first = sample(2_000, { cpuPercent: 1 });
    const rows = [
      [sample(3_000), first],
      [sample(1_000), sample(2_000, { cpuPercent: 2 })],
    ].map((samples) => decoded(encodeStaged(samples.map((s) => ({ series: 9, sample: s })))));
    expect(seriesSamples(rows, 9)).toEqual([sample(1_000), first, sample(3_000)]);
    expect(seriesSamples(rows, 8)).toEqual([]);
  });

  it("gathers series after series in one set of columns, through its growth", () => {
    const columns = new SeriesColumns();
    // 3 rows of 2 series × 700 samples: 2,100 of series 2 outgrow the first 1,024 rows.
    const rows = [0, 1, 2].map((r) =>
      decoded(
        encodeStaged(
          Array.from({ length: 1_400 }, (_, i) => ({ series: 1 + (i % 2), sample: sample(r * 10_000 + i) })),
        ),
      ),
    );
    for (const series of [2, 1]) {
      columns.clear();
      const appended = rows.map((row) => columns.append(row, series));
      expect(appended).toEqual([700, 700, 700]);
      const c = columns.distinct();
      expect(c.n).toBe(2_100);
      const times = Array.from(c.t);
      expect(times.slice(0, 3)).toEqual([series - 1, series + 1, series + 3]);
      expect(times.at(-1)).toBe(20_000 + 1_398 + series - 1);
      expect(Array.from(c.memUsedBytes.subarray(0, 2))).toEqual([2 ** 40 + series - 1, 2 ** 40 + series + 1]);
      expect(Number.isNaN(c.netTxBytes[5])).toBe(true);
    }
  });
});
