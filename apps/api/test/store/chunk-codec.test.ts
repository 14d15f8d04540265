import { zstdCompressSync, zstdDecompressSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ChunkLayout,
  chunkContent,
  columnsOfRows,
  decodeRows,
  encodeColumns,
  encodeRows,
  joinContents,
} from "../../src/store/chunk-codec.ts";
import {
  decodeRollupChunk,
  decodeRollups,
  encodeRollupChunk,
  encodeRollups,
  type RollupRow,
} from "../../src/store/rollup-chunk.ts";

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

  it("zstd, not compressed: any integers, floats and nulls, in a chunk of format 1 with its checksum", () => {
    fc.assert(
      fc.property(rows, (input) => {
        const chunk = encodeColumns(layout("zstd"), columnsOfRows(COLUMNS, input), false);
        expect(chunk[0]).toBe(1);
        const decoded = decodeRows(layout("zstd"), chunk);
        for (const name of COLUMNS)
          expect(column(decoded, name).map((v) => (v === 0 ? 0 : v))).toEqual(
            input.map((r) => (r[name] === 0 ? 0 : r[name])),
          );
      }),
      { numRuns: 200 },
    );
  });

  it("zstd: any bit flipped in a chunk, compressed or not, fails its read rather than reading as other rows", () => {
    const input = Array.from({ length: 60 }, (_, i) => ({
      t: 1_000 * i,
      a: 7 * i,
      b: i % 3 ? null : i,
      c: i / 3,
    }));
    for (const compress of [false, true]) {
      const chunk = encodeColumns(layout("zstd"), columnsOfRows(COLUMNS, input), compress);
      for (let bit = 0; bit < chunk.length * 8; bit++) {
        const damaged = chunk.slice();
        damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(() => decodeRows(layout("zstd"), damaged), `bit ${bit}, compressed ${compress}`).toThrow();
      }
    }
  });

  it("zstd: chunks joined, compressed or not, read as all their rows, each chunk's after the one's before", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(rows, fc.boolean()), { minLength: 1, maxLength: 6 }), (parts) => {
        const chunks = parts.map(([input]) => input);
        const joined = joinContents(
          parts.map(([input, compress]) =>
            chunkContent(encodeColumns(layout("zstd"), columnsOfRows(COLUMNS, input), compress)),
          ),
        );
        const decoded = decodeRows(layout("zstd"), joined);
        const all = chunks.flat();
        expect(decoded.n).toBe(all.length);
        for (const name of COLUMNS)
          expect(column(decoded, name).map((v) => (v === 0 ? 0 : v))).toEqual(
            all.map((r) => (r[name] === 0 ? 0 : r[name])),
          );
      }),
      { numRuns: 200 },
    );
  });

  it("zstd: a chunk with bytes after its last part is damaged; a Rice-coded chunk has no content to join", () => {
    const chunk = encodeRows(layout("zstd"), [{ t: 1, a: 5, b: null, c: 0.5 }]);
    const trailing = zstdCompressSync(Buffer.concat([zstdDecompressSync(chunk), Buffer.from([7])]));
    expect(() => decodeRows(layout("zstd"), trailing)).toThrow("chunk format 7 is unknown");
    expect(() => chunkContent(encodeRows(layout("rice"), [{ t: 2, a: 1, b: 1, c: 1 }]))).toThrow(
      "a Rice-coded chunk has no zstd content",
    );
  });

  it("reads a chunk of either coding with the same columns", () => {
    const input = [
      { t: 60_000, a: 1, b: null, c: 0.5 },
      { t: 120_000, a: 2 ** 40, b: 7, c: -3.25 },
    ];
    const zstd = encodeRows(layout("zstd"), input);
    expect(decodeRows(layout("rice"), zstd)).toEqual(decodeRows(layout("zstd"), zstd));
  });
});

/**
 * An hour's rollup chunk of format 2 (sums in Rice codes, CPU in thousandths; made by encodeRollups
 * of commit 808fd60): minute 1 of 3 samples (CPU sum 61.5, min 10.25, max 30.75; memory 500–502
 * pages, sum 3 × 501; network rx 1,002, tx null; blocks 8 and 9; pids sum 9) and minute 2 of 60
 * (CPU sum 1,200, min 5.125, max 99.999; memory 470–490 pages, sum 60 × 480; rx 2,002, tx null;
 * blocks 4,104 and 9; pids sum 300).
 */
const FORMAT_2_HOUR =
  "AgIEBYumHbUwAIYGsgQCkp7wAcV9EACMlKAB0BIAkLzgA8OgQAQMj74XqqEABA2E9AO0BA2C9gPYBBAAgIAQBAGJ6ge9AAIDAAAEA4kCwAAAABIAiBLIwA==";

/** Any minute's rollup: sums of `samples` values within each minimum and maximum, memory in pages or not. */
const anyRollup = fc
  .record({
    minute: fc.integer({ min: 0, max: 59 }),
    samples: fc.integer({ min: 1, max: 600 }),
    cpu: fc.tuple(
      fc.nat({ max: 6_400_000 }),
      fc.nat({ max: 6_400_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    ),
    mem: fc.tuple(
      fc.nat({ max: 2 ** 30 }),
      fc.nat({ max: 2 ** 30 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    ),
    pages: fc.boolean(),
    pids: fc.tuple(fc.nat({ max: 4_000 }), fc.nat({ max: 4_000 })),
    netRx: fc.option(fc.maxSafeNat()),
  })
  .map(({ minute, samples, cpu, mem, pages, pids, netRx }): RollupRow => {
    const [cpuMin, cpuMax] = [Math.min(cpu[0], cpu[1]), Math.max(cpu[0], cpu[1])];
    const unit = pages ? 4096 : 1;
    const [memMin, memMax] = [Math.min(mem[0], mem[1]) * unit, Math.max(mem[0], mem[1]) * unit];
    return {
      minute: minute * 60_000,
      samples,
      cpuSum: Math.round(samples * (cpuMin + cpu[2] * (cpuMax - cpuMin))),
      cpuMin,
      cpuMax,
      memSum: samples * (memMin + mem[2] * (memMax - memMin)),
      memMin,
      memMax,
      memLimit: 8 * 1024 ** 3,
      netRx,
      netTx: null,
      blkRead: 4096,
      blkWrite: 0,
      pidsSum: samples * Math.min(...pids) + Math.abs(pids[0] - pids[1]),
    };
  });

/** A minute's rollup of 60 samples of 10 %, 1,000 pages and 5 pids. */
const anyRow = (minute: number): RollupRow => ({
  minute: minute * 60_000,
  samples: 60,
  cpuSum: 60 * 10_000,
  cpuMin: 10_000,
  cpuMax: 10_000,
  memSum: 60 * 1_000 * 4096,
  memMin: 1_000 * 4096,
  memMax: 1_000 * 4096,
  memLimit: 0,
  netRx: minute,
  netTx: null,
  blkRead: 0,
  blkWrite: 0,
  pidsSum: 300,
});

describe("rollup chunks", () => {
  it("keep an hour of rows sorted by minute, averages to their kept precision, the rest exactly", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyRollup, { selector: (r) => r.minute, minLength: 1, maxLength: 60 }),
        (hour) => {
          const chunk = encodeRollups(hour);
          const decoded = decodeRollups(chunk);
          const sorted = [...hour].sort((a, b) => a.minute - b.minute);
          expect(decoded.map((r) => r.minute)).toEqual(sorted.map((r) => r.minute));
          for (const [i, row] of sorted.entries()) {
            const kept = decoded[i] as RollupRow;
            const average = (r: RollupRow, sum: "cpuSum" | "memSum" | "pidsSum") => r[sum] / r.samples;
            // CPU in thousandths of a percentage point, kept to hundredths; memory to a page at most; pids whole.
            expect(Math.abs(average(kept, "cpuSum") - average(row, "cpuSum"))).toBeLessThanOrEqual(5);
            expect(Math.abs(kept.cpuMin - row.cpuMin)).toBeLessThanOrEqual(5);
            expect(Math.abs(kept.cpuMax - row.cpuMax)).toBeLessThanOrEqual(5);
            expect(Math.abs(average(kept, "memSum") - average(row, "memSum"))).toBeLessThanOrEqual(2048);
            expect(Math.abs(average(kept, "pidsSum") - average(row, "pidsSum"))).toBeLessThanOrEqual(0.5);
            // Every average still lies between its minimum and maximum.
            expect(average(kept, "cpuSum")).toBeGreaterThanOrEqual(kept.cpuMin);
            expect(average(kept, "cpuSum")).toBeLessThanOrEqual(kept.cpuMax);
            expect(average(kept, "memSum")).toBeGreaterThanOrEqual(kept.memMin);
            expect(average(kept, "memSum")).toBeLessThanOrEqual(kept.memMax);
            const exact = { ...row, cpuSum: 0, cpuMin: 0, cpuMax: 0, memSum: 0, pidsSum: 0 };
            expect({ ...kept, cpuSum: 0, cpuMin: 0, cpuMax: 0, memSum: 0, pidsSum: 0 }).toEqual(exact);
          }
          // What a chunk keeps, it keeps: a decoded hour rewritten (a late sample merged) loses nothing more.
          expect(encodeRollups(decoded)).toEqual(chunk);
        },
      ),
    );
  });

  it("keep exactly what a chart shows: memory in pages to the page, in bytes to the byte", () => {
    const minute = (memMin: number, memMax: number, memSum: number): RollupRow => ({
      minute: 0,
      samples: 4,
      cpuSum: 4 * 12_340,
      cpuMin: 10_000,
      cpuMax: 99_999,
      memSum,
      memMin,
      memMax,
      memLimit: 0,
      netRx: null,
      netTx: 7,
      blkRead: 0,
      blkWrite: 0,
      pidsSum: 10,
    });
    const [pages] = decodeRollups(encodeRollups([minute(500 * 4096, 600 * 4096, 2_103 * 4096)]));
    expect(pages).toMatchObject({ cpuSum: 4 * 12_340, cpuMin: 10_000, cpuMax: 100_000, pidsSum: 12 });
    expect(pages?.memSum).toBe(4 * 526 * 4096);
    const [bytes] = decodeRollups(encodeRollups([minute(1_001, 2_003, 6_011)]));
    expect(bytes?.memSum).toBe(4 * 1_503);
    // One extreme a whole page, the other not: to the byte.
    const [oneAligned] = decodeRollups(encodeRollups([minute(4_096, 6_200, 4 * 5_000)]));
    expect(oneAligned?.memSum).toBe(4 * 5_000);
  });

  it("keep an average between its minimum and maximum where the three were rounded apart", () => {
    // PostgreSQL's rows sum each sample's CPU as it came: two samples of 0.0145 % read as a sum of
    // 29 thousandths, a minimum and maximum of 15 (fromStoredRow); kept to hundredths, the average
    // (1.45) would round to 1 and the extremes (1.5) to 2.
    const row: RollupRow = {
      minute: 0,
      samples: 2,
      cpuSum: 29,
      cpuMin: 15,
      cpuMax: 15,
      memSum: 2 * 4096,
      memMin: 4096,
      memMax: 4096,
      memLimit: 0,
      netRx: null,
      netTx: null,
      blkRead: 0,
      blkWrite: 0,
      pidsSum: 2,
    };
    expect(decodeRollups(encodeRollups([row]))).toEqual([{ ...row, cpuSum: 2 * 20, cpuMin: 20, cpuMax: 20 }]);
  });

  it("keep a backend's own fields beside a minute's, as they were", () => {
    const rows = [0, 1, 2].map((m) => ({ ...anyRow(m), latestT: m * 60_000 + 59_999 }));
    const decoded = decodeRollupChunk(encodeRollupChunk(rows, ["latestT"]), ["latestT"]);
    expect(decoded.map((r) => r.latestT)).toEqual([59_999, 119_999, 179_999]);
    expect(decoded.map((r) => r.minute)).toEqual([0, 60_000, 120_000]);
  });

  it("of format 2 (sums, before averages) read exactly as they were written", () => {
    const common = { memLimit: 8 * 1024 ** 3, netTx: null, blkWrite: 9 };
    expect(decodeRollups(Buffer.from(FORMAT_2_HOUR, "base64"))).toEqual([
      {
        minute: 60_000,
        samples: 3,
        cpuSum: 61_500,
        cpuMin: 10_250,
        cpuMax: 30_750,
        memSum: 3 * 501 * 4096,
        memMin: 500 * 4096,
        memMax: 502 * 4096,
        netRx: 1_002,
        blkRead: 8,
        pidsSum: 9,
        ...common,
      },
      {
        minute: 120_000,
        samples: 60,
        cpuSum: 1_200_000,
        cpuMin: 5_125,
        cpuMax: 99_999,
        memSum: 60 * 480 * 4096,
        memMin: 470 * 4096,
        memMax: 490 * 4096,
        netRx: 2_002,
        blkRead: 4_104,
        pidsSum: 300,
        ...common,
      },
    ]);
  });
});
