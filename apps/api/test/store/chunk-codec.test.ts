import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ChunkLayout, decodeRows, encodeRows } from "../../src/store/chunk-codec.ts";
import { decodeRollups, encodeRollups, type RollupRow } from "../../src/store/rollup-chunk.ts";

type Column = "t" | "a" | "b" | "c";
const COLUMNS: readonly Column[] = ["t", "a", "b", "c"];
const layout = (coding: "zstd" | "rice"): ChunkLayout<Column> => ({
  columns: COLUMNS,
  floats: new Set(["c"]),
  coding,
});

/** Any value a column may hold: safe integers near or far from each other, floats, nulls. */
const value = fc.oneof(
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.maxSafeInteger(),
  fc.maxSafeNat().map((v) => -v),
  fc.integer({ min: 0, max: 2 ** 20 }).map((v) => v * 4096),
  fc.double({ noNaN: true }),
  fc.constant(null),
);
const rows = fc.array(fc.record({ t: value, a: value, b: value, c: value }), { maxLength: 200 });

/** A decoded column back as the values it was made of (NaN as null). */
function column(decoded: Record<Column, Float64Array>, name: Column): (number | null)[] {
  return Array.from(decoded[name], (v) => (Number.isNaN(v) ? null : v));
}

describe("chunk codec: every row comes back as it went in", () => {
  for (const coding of ["zstd", "rice"] as const) {
    it(`${coding}: any integers, floats and nulls`, () => {
      fc.assert(
        fc.property(rows, (input) => {
          const decoded = decodeRows(layout(coding), encodeRows(layout(coding), input));
          expect(decoded.n).toBe(input.length);
          for (const name of COLUMNS) {
            // -0 is stored as an integer 0: equal as a number, which is all a column promises.
            expect(column(decoded, name).map((v) => (v === 0 ? 0 : v))).toEqual(
              input.map((r) => (r[name] === 0 ? 0 : r[name])),
            );
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  for (const coding of ["zstd", "rice"] as const) {
    it(`${coding}: a chunk stays as coded once the next one is coded`, () => {
      const first = [{ t: 1, a: 5, b: null, c: 0.5 }];
      const chunk = encodeRows(layout(coding), first);
      encodeRows(layout(coding), [{ t: 2, a: 2 ** 40, b: 3, c: -1 }]);
      expect(column(decodeRows(layout(coding), chunk), "a")).toEqual([5]);
    });
  }

  it("reads a chunk of either coding with the same columns", () => {
    const input = [
      { t: 60_000, a: 1, b: null, c: 0.5 },
      { t: 120_000, a: 2 ** 40, b: 7, c: -3.25 },
    ];
    const zstd = encodeRows(layout("zstd"), input);
    expect(decodeRows(layout("rice"), zstd)).toEqual(decodeRows(layout("zstd"), zstd));
  });
});

/** A minute's rollup as a series' counters and noise make them. */
const rollupRow = (minute: number, noise: number): RollupRow => ({
  minute: minute * 60_000,
  samples: 60,
  cpuSum: 60_000 + noise * 3,
  cpuMin: 500 + (noise % 97),
  cpuMax: 9_000 - (noise % 89),
  memSum: 60 * 4096 * (1_000 + (noise % 31)),
  memMin: 4096 * (990 + (noise % 7)),
  memMax: 4096 * (1_010 + (noise % 5)),
  memLimit: 8 * 1024 ** 3,
  netRx: minute * 240_000 + noise,
  netTx: minute % 2 === 0 ? null : minute * 90_000,
  blkRead: minute * 4096,
  blkWrite: 0,
  pidsSum: 300,
});

describe("rollup chunks", () => {
  it("round-trip an hour of rows, sorted by minute, nulls kept", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 60 }), (noise) => {
        const hour = noise.map((n, i) => rollupRow(1_000 + i, n));
        expect(decodeRollups(encodeRollups([...hour].reverse()))).toEqual(hour);
      }),
    );
  });
});
