import { constants as zlibConstants, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import type { MetricSample } from "@crowsnest/protocol";

/** Rollups and the first chunks of a series span one minute (ms); a minute starts at a multiple of it. */
export const MINUTE = 60_000;
/** A finished hour's minute chunks become one chunk: 24 per series and day to read instead of 1,440. */
export const HOUR = 3_600_000;

/** A stored sample of one series: MetricSample without its container (the series says which). */
export type SeriesSample = Omit<MetricSample, "containerId">;

/**
 * How one kind of chunk lays out its rows: the columns in stored order and which of them hold
 * floats. Integer columns are delta-encoded (zigzag varints: a counter that grows by a few KiB a
 * second costs one or two bytes), after dividing out the largest power of two (up to 2^16) that
 * divides every value (memory counted in 4 KiB pages); a float column is stored as its values'
 * 8 bytes transposed into byte planes (sign and exponent bytes of a series are alike and
 * compress away). An integer column whose deltas would leave the exact integers is stored as
 * floats. Nullable columns carry a bitmap of the nulls.
 */
export interface ChunkLayout<C extends string> {
  columns: readonly C[];
  floats: ReadonlySet<C>;
}

/** A decoded chunk: its `n` rows, one Float64Array per column (NaN where a value is null); no column is named `n`. */
export type DecodedChunk<C extends string> = { n: number } & Record<C, Float64Array>;

const SAMPLE_LAYOUT: ChunkLayout<keyof SeriesSample> = {
  columns: [
    "t",
    "cpuPercent",
    "onlineCpus",
    "memUsedBytes",
    "memLimitBytes",
    "netRxBytes",
    "netTxBytes",
    "blkReadBytes",
    "blkWriteBytes",
    "pids",
  ],
  floats: new Set(["cpuPercent"]),
};

const FORMAT = 1;
const FLOAT = 1;
const NULLS = 2;
/** The column's values were divided by 2^shift before their deltas were taken; the shift byte follows the flags. */
const SHIFTED = 4;
const MAX_SHIFT = 16;
/** Beyond this a delta's zigzag form (2|d|) would leave the exactly representable integers. */
const MAX_DELTA = 2 ** 51;
/** zstd level: 3 is zstd's default; higher levels gain little on chunks of a few hundred bytes. */
const ZSTD_LEVEL = 3;

/**
 * Rows (sorted by their first column, at most one per value of it) as a chunk: a format byte, the
 * count, then each column of `layout` (a flags byte, the shift and null bitmap if any, the
 * values), all compressed with zstd.
 */
export function encodeRows<C extends string>(
  layout: ChunkLayout<C>,
  rows: readonly Readonly<Record<C, number | null>>[],
): Uint8Array {
  const out = new ByteWriter();
  out.byte(FORMAT);
  out.varint(rows.length);
  for (const column of layout.columns) {
    const values = rows.map((row) => row[column]);
    const present = values.filter((v): v is number => v !== null);
    const float = layout.floats.has(column) || !deltasFit(present);
    const shift = float ? 0 : commonShift(present);
    const nulls = present.length < values.length;
    out.byte((float ? FLOAT : 0) | (nulls ? NULLS : 0) | (shift > 0 ? SHIFTED : 0));
    if (shift > 0) out.byte(shift);
    if (nulls) {
      const bitmap = new Uint8Array(Math.ceil(values.length / 8));
      values.forEach((v, i) => {
        if (v === null) bitmap[i >> 3] = (bitmap[i >> 3] ?? 0) | (1 << (i & 7));
      });
      out.bytes(bitmap);
    }
    if (float) out.floats(present);
    else {
      const scale = 2 ** shift;
      let previous = 0;
      for (const value of present) {
        const v = value / scale;
        const d = v - previous;
        out.varint(d >= 0 ? 2 * d : -2 * d - 1);
        previous = v;
      }
    }
  }
  return zstdCompressSync(out.result(), {
    params: { [zlibConstants.ZSTD_c_compressionLevel]: ZSTD_LEVEL },
  });
}

/** The columns of a chunk made by encodeRows with the same layout, rows in their stored order. */
export function decodeRows<C extends string>(layout: ChunkLayout<C>, chunk: Uint8Array): DecodedChunk<C> {
  const input = new ByteReader(zstdDecompressSync(chunk));
  const format = input.byte();
  if (format !== FORMAT) throw new Error(`metric chunk format ${format} is unknown`);
  const n = input.varint();
  if (layout.columns.includes("n" as C)) throw new Error("a chunk column cannot be named n");
  const columns: Record<string, Float64Array> = {};
  for (const column of layout.columns) columns[column] = readColumn(input, n);
  return { ...columns, n } as DecodedChunk<C>;
}

/** One series' samples (sorted by `t`, at most one per `t`) as a chunk. */
export function encodeChunk(samples: readonly SeriesSample[]): Uint8Array {
  return encodeRows(SAMPLE_LAYOUT, samples);
}

/** A decoded sample chunk: its `n` samples, one Float64Array per field (NaN where a field is null). */
export type ChunkColumns = DecodedChunk<keyof SeriesSample>;

/** The columns of a chunk made by encodeChunk, rows in their stored (time) order. */
export function decodeColumns(chunk: Uint8Array): ChunkColumns {
  return decodeRows(SAMPLE_LAYOUT, chunk);
}

/** Row `i` of decoded columns as a sample. */
export function sampleAt(c: ChunkColumns, i: number): SeriesSample {
  return {
    t: c.t[i] as number,
    cpuPercent: c.cpuPercent[i] as number,
    onlineCpus: c.onlineCpus[i] as number,
    memUsedBytes: c.memUsedBytes[i] as number,
    memLimitBytes: c.memLimitBytes[i] as number,
    netRxBytes: orNull(c.netRxBytes[i] as number),
    netTxBytes: orNull(c.netTxBytes[i] as number),
    blkReadBytes: c.blkReadBytes[i] as number,
    blkWriteBytes: c.blkWriteBytes[i] as number,
    pids: c.pids[i] as number,
  };
}

/** The samples of a chunk made by encodeChunk, in their stored (time) order. */
export function decodeChunk(chunk: Uint8Array): SeriesSample[] {
  const columns = decodeColumns(chunk);
  return Array.from({ length: columns.n }, (_, i) => sampleAt(columns, i));
}

/** A stored NaN (a null of a nullable column) as null. */
export function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function readColumn(input: ByteReader, n: number): Float64Array {
  const flags = input.byte();
  const scale = flags & SHIFTED ? 2 ** input.byte() : 1;
  const nulls = flags & NULLS ? input.bytes(Math.ceil(n / 8)) : null;
  const isNull = (i: number) => nulls !== null && ((nulls[i >> 3] as number) & (1 << (i & 7))) !== 0;
  let present = n;
  if (nulls !== null) for (let i = 0; i < n; i++) if (isNull(i)) present--;
  const stored = flags & FLOAT ? input.floats(present) : input.deltas(present);
  if (scale !== 1) for (let i = 0; i < present; i++) stored[i] = (stored[i] as number) * scale;
  if (present === n) return stored;
  const values = new Float64Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) values[i] = isNull(i) ? Number.NaN : (stored[next++] as number);
  return values;
}

/** The largest power of two, up to 2^MAX_SHIFT, that divides every value (as its exponent). */
function commonShift(values: readonly number[]): number {
  let shift = 0;
  while (shift < MAX_SHIFT && values.length > 0 && values.every((v) => v % 2 ** (shift + 1) === 0)) shift++;
  return shift;
}

function deltasFit(values: readonly number[]): boolean {
  let previous = 0;
  for (const v of values) {
    if (!Number.isSafeInteger(v) || Math.abs(v - previous) >= MAX_DELTA) return false;
    previous = v;
  }
  return true;
}

class ByteWriter {
  #buffer = new Uint8Array(1024);
  #length = 0;

  #reserve(n: number): void {
    if (this.#length + n <= this.#buffer.length) return;
    const bigger = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + n));
    bigger.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = bigger;
  }

  byte(b: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buffer.set(b, this.#length);
    this.#length += b.length;
  }

  /** An unsigned integer up to 2^53, 7 bits a byte (arithmetic, as bit operators stop at 2^31). */
  varint(v: number): void {
    this.#reserve(8);
    let rest = v;
    while (rest >= 0x80) {
      this.#buffer[this.#length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#buffer[this.#length++] = rest;
  }

  /** Float64 values as 8 planes: every value's first byte, then every second byte, … */
  floats(values: readonly number[]): void {
    const raw = new Uint8Array(new Float64Array(values).buffer);
    this.#reserve(raw.length);
    for (let plane = 0; plane < 8; plane++)
      for (let i = 0; i < values.length; i++) this.#buffer[this.#length++] = raw[i * 8 + plane] ?? 0;
  }

  result(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }
}

class ByteReader {
  readonly #buffer: Uint8Array;
  #offset = 0;

  constructor(buffer: Uint8Array) {
    this.#buffer = buffer;
  }

  byte(): number {
    const b = this.#buffer[this.#offset++];
    if (b === undefined) throw new Error("metric chunk ends early");
    return b;
  }

  bytes(n: number): Uint8Array {
    if (this.#offset + n > this.#buffer.length) throw new Error("metric chunk ends early");
    const b = this.#buffer.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return b;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  }

  floats(n: number): Float64Array {
    const planes = this.bytes(n * 8);
    const raw = new Uint8Array(n * 8);
    for (let plane = 0; plane < 8; plane++)
      for (let i = 0; i < n; i++) raw[i * 8 + plane] = planes[plane * n + i] ?? 0;
    return new Float64Array(raw.buffer);
  }

  /** n zigzag varint deltas (ByteWriter's integer column), summed back into the values. */
  deltas(n: number): Float64Array {
    const out = new Float64Array(n);
    let previous = 0;
    for (let i = 0; i < n; i++) {
      const z = this.varint();
      previous += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      out[i] = previous;
    }
    return out;
  }
}
