import { constants as zlibConstants, zstdCompressSync, zstdDecompressSync } from "node:zlib";
import type { MetricSample } from "@crowsnest/protocol";

/** A stored sample of one series: MetricSample without its container (the series says which). */
export type SeriesSample = Omit<MetricSample, "containerId">;

/**
 * The columns of a chunk, in stored order. `t` and the integer fields are delta-encoded (zigzag
 * varints: a counter that grows by a few KiB a second costs one or two bytes); `cpuPercent` is a
 * float, stored as its 8 bytes transposed into byte planes (sign and exponent bytes of a series
 * are alike and compress away). Nullable fields carry a bitmap of the nulls.
 */
const COLUMNS = [
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
] as const satisfies readonly (keyof SeriesSample)[];

const FORMAT = 1;
const FLOAT = 1;
const NULLS = 2;
/** Beyond this a delta's zigzag form (2|d|) would leave the exactly representable integers. */
const MAX_DELTA = 2 ** 51;
/** zstd level: 3 is zstd's default; higher levels gain little on chunks of a few hundred bytes. */
const ZSTD_LEVEL = 3;

/**
 * One series' samples (sorted by `t`, at most one per `t`) as a chunk: a format byte, the count,
 * then each column (a flags byte, the null bitmap if any, the values), all compressed with zstd.
 */
export function encodeChunk(samples: readonly SeriesSample[]): Uint8Array {
  const out = new ByteWriter();
  out.byte(FORMAT);
  out.varint(samples.length);
  for (const column of COLUMNS) {
    const values = samples.map((s) => s[column]);
    const present = values.filter((v): v is number => v !== null);
    const float = column === "cpuPercent" || !deltasFit(present);
    const nulls = present.length < values.length;
    out.byte((float ? FLOAT : 0) | (nulls ? NULLS : 0));
    if (nulls) {
      const bitmap = new Uint8Array(Math.ceil(values.length / 8));
      values.forEach((v, i) => {
        if (v === null) bitmap[i >> 3] = (bitmap[i >> 3] ?? 0) | (1 << (i & 7));
      });
      out.bytes(bitmap);
    }
    if (float) out.floats(present);
    else {
      let previous = 0;
      for (const v of present) {
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

/** A decoded chunk: its `n` samples, one Float64Array per field (NaN where a field is null). */
export type ChunkColumns = { n: number } & Record<(typeof COLUMNS)[number], Float64Array>;

/** The columns of a chunk made by encodeChunk, rows in their stored (time) order. */
export function decodeColumns(chunk: Uint8Array): ChunkColumns {
  const input = new ByteReader(zstdDecompressSync(chunk));
  const format = input.byte();
  if (format !== FORMAT) throw new Error(`metric chunk format ${format} is unknown`);
  const n = input.varint();
  const columns = { n } as ChunkColumns;
  for (const column of COLUMNS) columns[column] = readColumn(input, n);
  return columns;
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

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function readColumn(input: ByteReader, n: number): Float64Array {
  const flags = input.byte();
  const nulls = flags & NULLS ? input.bytes(Math.ceil(n / 8)) : null;
  const isNull = (i: number) => nulls !== null && ((nulls[i >> 3] as number) & (1 << (i & 7))) !== 0;
  let present = n;
  if (nulls !== null) for (let i = 0; i < n; i++) if (isNull(i)) present--;
  const stored = flags & FLOAT ? input.floats(present) : input.deltas(present);
  if (present === n) return stored;
  const values = new Float64Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) values[i] = isNull(i) ? Number.NaN : (stored[next++] as number);
  return values;
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
