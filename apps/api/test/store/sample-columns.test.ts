import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  byMinute,
  type ChunkColumns,
  columnsOf,
  decodeColumns,
  encodeSamples,
  joinSamples,
  MINUTE,
  rowsBetween,
  type SeriesSample,
  sampleAt,
} from "../../src/store/metric-chunk.ts";
import { minuteRollup } from "../../src/store/minute-rollups.ts";
import { CPU_UNITS, mergeRollups, type RollupRow } from "../../src/store/rollup-chunk.ts";

/** Columns back as samples. */
const samplesOf = (c: ChunkColumns): SeriesSample[] => Array.from({ length: c.n }, (_, i) => sampleAt(c, i));

/** A sample of second `s` whose values follow `v`; the network counters null where `v` is odd and `nulls`. */
function sample(s: number, v: number, nulls = false): SeriesSample {
  return {
    t: s * 1_000,
    cpuPercent: (v % 1_000) / 7,
    onlineCpus: 2,
    memUsedBytes: 4096 * (1_000 + v),
    memLimitBytes: 2 ** 33 + v,
    netRxBytes: nulls && v % 2 === 1 ? null : 1_000 * s + v,
    netTxBytes: 77 * s,
    blkReadBytes: 4096 * v,
    blkWriteBytes: 0,
    pids: 1 + (v % 5),
  };
}

/** Samples at distinct seconds of `seconds`, in time order. */
const series = (seconds: number[], nulls: boolean) =>
  [...new Set(seconds)].sort((a, b) => a - b).map((s, i) => sample(s, (s * 7919 + i) % 10_007, nulls));

const seconds = (max: number) => fc.array(fc.nat({ max }), { maxLength: 150 });

/**
 * The rollup of samples as the rows' upsert counts them (rollup-writer.ts), one at a time: each
 * sample a rollup of its own, merged with mergeRollups in time order. The oracle minuteRollup is held to.
 */
function rollupOneByOne(samples: readonly SeriesSample[]): RollupRow {
  const rows = samples.map((s): RollupRow => {
    const cpu = Math.round(s.cpuPercent * CPU_UNITS);
    return {
      minute: s.t - (s.t % MINUTE),
      samples: 1,
      cpuSum: cpu,
      cpuMin: cpu,
      cpuMax: cpu,
      memSum: s.memUsedBytes,
      memMin: s.memUsedBytes,
      memMax: s.memUsedBytes,
      memLimit: s.memLimitBytes,
      netRx: s.netRxBytes,
      netTx: s.netTxBytes,
      blkRead: s.blkReadBytes,
      blkWrite: s.blkWriteBytes,
      pidsSum: s.pids,
    };
  });
  return rows.reduce(mergeRollups);
}

describe("sample columns", () => {
  it("code only their first n rows, however long the arrays", () => {
    const samples = series([1, 2, 3, 5, 8], true);
    const c = columnsOf(samples);
    expect(samplesOf(decodeColumns(encodeSamples({ ...c, n: 3 })))).toEqual(samples.slice(0, 3));
    expect(samplesOf(decodeColumns(encodeSamples(rowsBetween(c, 2, 5))))).toEqual(samples.slice(2));
  });

  it("split by minute into the rows of each, oldest first", () => {
    fc.assert(
      fc.property(seconds(400), (s) => {
        const samples = series(s, false);
        const c = columnsOf(samples);
        const ranges = [...byMinute(c)];
        expect(ranges.flatMap(([from, to]) => samples.slice(from, to))).toEqual(samples);
        const minuteOf = (x: SeriesSample) => x.t - (x.t % MINUTE);
        const minutes = ranges.map(([from, to]) => new Set(samples.slice(from, to).map(minuteOf)));
        for (const m of minutes) expect(m.size).toBe(1);
        const starts = minutes.map((m) => [...m][0] as number);
        expect(starts).toEqual([...new Set(samples.map(minuteOf))]);
      }),
    );
  });

  it("join: stored samples kept, added ones at new times fresh, both in time order", () => {
    fc.assert(
      fc.property(seconds(200), seconds(200), fc.boolean(), (a, b, nulls) => {
        const stored = series(a, nulls);
        // Added samples differ from stored ones of the same time: the stored one must win.
        const added = series(b, nulls).map((x) => ({ ...x, pids: x.pids + 100 }));
        const { merged, fresh } = joinSamples(columnsOf(stored), columnsOf(added));
        const times = new Set(stored.map((x) => x.t));
        const expectedFresh = added.filter((x) => !times.has(x.t));
        expect(samplesOf(fresh)).toEqual(expectedFresh);
        expect(samplesOf(merged)).toEqual([...stored, ...expectedFresh].sort((x, y) => x.t - y.t));
      }),
    );
  });
});

describe("a minute's rollup from columns", () => {
  it("counts the samples as the rows' upsert counts them one by one", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 59 }), { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        (s, nulls) => {
          const samples = series(
            s.map((x) => 120 + x),
            nulls,
          );
          expect(minuteRollup(columnsOf(samples), null)).toEqual(rollupOneByOne(samples));
        },
      ),
    );
  });

  it("takes the limit of the minute's latest sample, stored or added", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 59 }), { minLength: 1 }), fc.array(fc.nat({ max: 239 })), (a, b) => {
        const added = series(
          a.map((x) => 120 + x),
          false,
        );
        const addedTimes = new Set(added.map((x) => x.t));
        // Stored samples in any minute around it, none at an added time, each limit its own.
        const stored = series(b, false)
          .filter((x) => !addedTimes.has(x.t))
          .map((x) => ({ ...x, memLimitBytes: 5 + x.t }));
        const rollup = minuteRollup(columnsOf(added), columnsOf(stored));
        const minute = stored.filter((x) => x.t >= 120_000 && x.t < 180_000);
        const latest = [...minute, ...added].sort((x, y) => x.t - y.t).at(-1) as SeriesSample;
        expect(rollup).toEqual({ ...rollupOneByOne(added), memLimit: latest.memLimitBytes });
      }),
    );
  });

  it("takes no limit from a stored sample of the next minute, even at its first millisecond", () => {
    const added = series([120, 150], false);
    const next = { ...sample(180, 1), memLimitBytes: 1 };
    expect(minuteRollup(columnsOf(added), columnsOf([next])).memLimit).toBe(added[1]?.memLimitBytes);
  });

  it("refuses a minute of no samples", () => {
    expect(() => minuteRollup(columnsOf([]), null)).toThrow(RangeError);
  });
});
