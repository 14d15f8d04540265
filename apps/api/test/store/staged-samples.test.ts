import { describe, expect, it } from "vitest";
import type { SeriesSample } from "../../src/store/metric-chunk.ts";
import {
  distinctByTime,
  encodeStaged,
  StagedRow,
  type StagedSample,
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
    const row = new StagedRow(encodeStaged([...staged]));
    expect(row.n).toBe(5);
    expect(row.samplesOf(7)).toEqual([sample(1_000), sample(2_000, { netRxBytes: null })]);
    expect(row.samplesOf(12)).toEqual([sample(5_000)]);
    expect(row.samplesOf(40)).toEqual([sample(1_000, { cpuPercent: 0 }), sample(3_000)]);
    for (const absent of [0, 8, 13, 41]) expect(row.samplesOf(absent)).toEqual([]);
  });

  it("reads a row whose bytes do not start on an 8-byte boundary", () => {
    const bytes = encodeStaged([{ series: 1, sample: sample(1) }]);
    const shifted = new Uint8Array(bytes.byteLength + 3).subarray(3);
    shifted.set(bytes);
    expect(new StagedRow(shifted).samplesOf(1)).toEqual([sample(1)]);
  });

  it("refuses bytes that are not a staging row", () => {
    const bytes = encodeStaged([{ series: 1, sample: sample(1) }]);
    expect(() => new StagedRow(bytes.subarray(0, bytes.byteLength - 8))).toThrow(/does not hold 1 samples/);
    expect(() => new StagedRow(new Uint8Array(13))).toThrow(/13 bytes is not one of 64-bit values/);
  });

  it("groups 128 consecutive series ids", () => {
    expect([0, 127, 128, 255, 256, 2 ** 40].map(stagingGroup)).toEqual([0, 0, 1, 1, 2, 2 ** 33]);
  });

  it("keeps the first of samples of the same time, in time order", () => {
    const first = sample(2_000, { cpuPercent: 1 });
    expect(distinctByTime([sample(3_000), first, sample(1_000), sample(2_000, { cpuPercent: 2 })])).toEqual([
      sample(1_000),
      first,
      sample(3_000),
    ]);
  });
});
