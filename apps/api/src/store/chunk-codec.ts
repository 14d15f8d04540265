import { crc32, constants as zlibConstants, zstdCompressSync, zstdDecompressSync } from "node:zlib";

/**
 * The one column codec of the SQLite store's chunks (raw samples, metric-chunk.ts; rollups,
 * rollup-chunk.ts): rows of numbers stored column by column. Every column is prepared alike: a
 * bitmap of its nulls if it has any; an integer column divided by the largest power of two (up to
 * 2^16) that divides every value (memory counted in 4 KiB pages); a column whose values are not
 * all integers with deltas that stay exact (or one the layout names) stored as floats, its 8-byte
 * values transposed into byte planes (sign and exponent bytes of a series are alike). The integers
 * are then coded as the layout's `coding` says:
 * - "zstd" (format 1): deltas as zigzag varints (a counter that grows by a few KiB a second costs
 *   one or two bytes), the whole chunk compressed with zstd (with its checksum), or left as it is
 *   and its CRC-32 appended (`compress: false`: SQLite's minute chunks from 46a6a84 to 7b3ae8b,
 *   still read); chunks of this coding join into one, their contents one
 *   after another (joinContents). A damaged byte fails the checksum rather than reading as other
 *   values: in a varint delta it shifts every value after it;
 * - "rice" (format 2): per column the cheapest of a constant, the values less their minimum, their
 *   deltas or their deltas' deltas (zigzag), as Golomb-Rice codes with the column's best parameter
 *   (Rice, "Some practical universal noiseless coding techniques", JPL 79-22, 1979); not compressed
 *   again. For noisy integers (a minute's CPU sum, its minima and maxima) this comes within about
 *   half a bit of their entropy, where zstd over varints spends a few bits more per value.
 * A chunk says its format: a format-2 chunk starts with byte 2, a format-1 chunk with byte 1, or it
 * is a zstd frame (whose first byte is 0x28) of that, so chunks of every format read alike.
 */
export interface ChunkLayout<C extends string> {
  columns: readonly C[];
  floats: ReadonlySet<C>;
  coding: "zstd" | "rice";
}

/** A decoded chunk: its `n` rows, one Float64Array per column (NaN where a value is null); no column is named `n`. */
export type DecodedChunk<C extends string> = { n: number } & Record<C, Float64Array>;

const ZSTD_FORMAT = 1;
const RICE_FORMAT = 2;
/** Column flags. */
const FLOAT = 1;
const NULLS = 2;
/** The column's values were divided by 2^shift before they were coded; the shift byte follows the flags. */
const SHIFTED = 4;
const MAX_SHIFT = 16;
/** Beyond this a delta's zigzag form (2|d|) would leave the exactly representable integers. */
const MAX_DELTA = 2 ** 51;
/** Bytes of the CRC-32 after a format-1 chunk that is not compressed. */
const CRC_BYTES = 4;
/** zstd level: 3 is zstd's default; higher levels gain little on chunks of a few hundred bytes. */
const ZSTD_LEVEL = 3;

/** What a Rice-coded integer column stores besides its residuals (the mode, in a byte's top 2 bits). */
const Mode = {
  /** Every value the same: only that value. */
  Constant: 0,
  /** The minimum, then each value less it. */
  Level: 1,
  /** The first value, then each value's zigzag delta from the one before. */
  Delta: 2,
  /** The first value and delta, then each delta's zigzag difference from the one before. */
  DeltaOfDelta: 3,
} as const;
type Mode = (typeof Mode)[keyof typeof Mode];
/** A quotient this large is written as this many ones and the residual in full (RESIDUAL_BITS). */
const ESCAPE = 32;
const RESIDUAL_BITS = 53;
/** In place of k: every residual is 0 (a minute column's deltas of deltas), so none is written. */
const ALL_ZERO = 0x3f;

/**
 * Rows (sorted by their first column, at most one per value of it) as a chunk of the layout's
 * coding (encodeColumns).
 */
export function encodeRows<C extends string>(
  layout: ChunkLayout<C>,
  rows: readonly Readonly<Record<C, number | null>>[],
): Uint8Array {
  return encodeColumns(layout, columnsOfRows(layout.columns, rows));
}

/** Rows as the columns `columns` of a decoded chunk: a null as NaN. */
export function columnsOfRows<C extends string>(
  columns: readonly C[],
  rows: readonly Readonly<Record<C, number | null>>[],
): DecodedChunk<C> {
  const out: Record<string, Float64Array> = {};
  for (const column of columns) {
    const values = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++)
      values[i] = (rows[i] as Record<C, number | null>)[column] ?? Number.NaN;
    out[column] = values;
  }
  return { ...out, n: rows.length } as DecodedChunk<C>;
}

/**
 * The first `n` rows of columns (sorted by the layout's first column, at most one per value of
 * it; NaN for a null) as a chunk of the layout's coding: a format byte, the count, then each
 * column of `layout` (a flags byte, the shift and null bitmap if any, the values), compressed with
 * zstd for its "zstd" coding unless `compress` is false. Reads the columns as typed arrays only,
 * so that a packer's rows cost no JavaScript object each.
 */
export function encodeColumns<C extends string>(
  layout: ChunkLayout<C>,
  chunk: DecodedChunk<C>,
  compress = true,
): Uint8Array {
  const rice = layout.coding === "rice";
  const n = chunk.n;
  const out = scratchWriter;
  out.reset();
  out.byte(rice ? RICE_FORMAT : ZSTD_FORMAT);
  out.varint(n);
  for (const column of layout.columns) {
    const values = chunk[column];
    const present = presentValues(values, n);
    const float = layout.floats.has(column) || !deltasFit(present);
    const shift = float ? 0 : commonShift(present);
    const nulls = present.length < n;
    out.byte((float ? FLOAT : 0) | (nulls ? NULLS : 0) | (shift > 0 ? SHIFTED : 0));
    if (shift > 0) out.byte(shift);
    if (nulls) {
      const bitmap = new Uint8Array(Math.ceil(n / 8));
      for (let i = 0; i < n; i++)
        if (Number.isNaN(values[i])) bitmap[i >> 3] = (bitmap[i >> 3] ?? 0) | (1 << (i & 7));
      out.bytes(bitmap);
    }
    const scaled = shift > 0 ? divided(present, 2 ** shift) : present;
    if (float) out.floats(present);
    else if (rice) writeRice(out, scaled);
    else out.deltas(scaled);
  }
  const content = out.result();
  const encoded = rice ? content.slice() : compress ? compressed(content) : checksummed(content);
  out.release();
  return encoded;
}

/** Content as a zstd frame, its checksum in it (zstd checks it as it decompresses). */
function compressed(content: Uint8Array): Uint8Array {
  return zstdCompressSync(content, {
    params: { [zlibConstants.ZSTD_c_compressionLevel]: ZSTD_LEVEL, [zlibConstants.ZSTD_c_checksumFlag]: 1 },
  });
}

/** Content with its CRC-32 after it (4 bytes, little-endian): a format-1 chunk not compressed. */
function checksummed(content: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(content.length + CRC_BYTES);
  chunk.set(content);
  new DataView(chunk.buffer).setUint32(content.length, crc32(content), true);
  return chunk;
}

/**
 * Contents of chunks of one layout's "zstd" coding (chunkContent), each one's rows after the one's
 * before, as one chunk of all their rows: the contents (each a format byte, a count and columns) one
 * after another, compressed once; decodeRows reads such a chunk part after part. Their rows are not
 * coded again: a SQLite hour of 8 samples a second of a series was packed in 13.4 ms against 28.6
 * coded again (1 a second: 4.5 against 8.2), each chunk still decoded to check it, for 7.5–12 % more
 * bytes (a throwaway script, random samples, minute chunks not compressed).
 */
export function joinContents(contents: readonly Uint8Array[]): Uint8Array {
  return compressed(Buffer.concat(contents));
}

/**
 * A "zstd"-coded chunk's content (format 1): the zstd frame's decompressed, or the chunk less its
 * CRC-32 (checksummed). Throws when the chunk is damaged (a checksum that does not match, too
 * short, not a zstd frame), or on a Rice-coded chunk, which has no content apart from its coding.
 */
export function chunkContent(chunk: Uint8Array): Uint8Array {
  if (chunk[0] === RICE_FORMAT) throw new Error("a Rice-coded chunk has no zstd content");
  if (chunk[0] !== ZSTD_FORMAT) return zstdDecompressSync(chunk);
  if (chunk.length < CRC_BYTES) throw new Error("chunk ends early");
  const content = chunk.subarray(0, chunk.length - CRC_BYTES);
  const stored = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(
    content.length,
    true,
  );
  if (crc32(content) !== stored) throw new Error("the chunk's checksum does not match");
  return content;
}

/**
 * The columns of a chunk made by encodeRows (either coding) or joinContents with the same columns,
 * rows in their stored order. Throws on a chunk of an unknown format or one that ends early.
 */
export function decodeRows<C extends string>(layout: ChunkLayout<C>, chunk: Uint8Array): DecodedChunk<C> {
  if (chunk[0] === RICE_FORMAT) {
    checkColumns(layout);
    return readPart(layout, new ByteReader(chunk), true);
  }
  return decodeContent(layout, chunkContent(chunk));
}

/**
 * The columns of a "zstd"-coded chunk's content (chunkContent), rows in their stored order, as
 * decodeRows. Throws on content of an unknown format or that ends early.
 */
export function decodeContent<C extends string>(
  layout: ChunkLayout<C>,
  content: Uint8Array,
): DecodedChunk<C> {
  checkColumns(layout);
  const input = new ByteReader(content);
  const parts = [readPart(layout, input, false)];
  while (!input.atEnd) parts.push(readPart(layout, input, false));
  return parts.length === 1 ? (parts[0] as DecodedChunk<C>) : concatColumns(layout.columns, parts);
}

/** Throws when the layout names a column `n`, which a decoded chunk keeps its count in. */
function checkColumns<C extends string>(layout: ChunkLayout<C>): void {
  if (layout.columns.includes("n" as C)) throw new Error("a chunk column cannot be named n");
}

/** One part of a chunk: its format byte, its count of rows, then each column of `layout`. */
function readPart<C extends string>(
  layout: ChunkLayout<C>,
  input: ByteReader,
  rice: boolean,
): DecodedChunk<C> {
  const format = input.byte();
  if (format !== (rice ? RICE_FORMAT : ZSTD_FORMAT)) throw new Error(`chunk format ${format} is unknown`);
  const n = input.varint();
  const columns: Record<string, Float64Array> = {};
  for (const column of layout.columns) columns[column] = readColumn(input, n, rice);
  return { ...columns, n } as DecodedChunk<C>;
}

/** The rows of decoded chunks, one chunk's after the other's, as one; copied. */
function concatColumns<C extends string>(
  columns: readonly C[],
  list: readonly DecodedChunk<C>[],
): DecodedChunk<C> {
  const n = list.reduce((sum, c) => sum + c.n, 0);
  const out: Record<string, Float64Array> = {};
  for (const column of columns) {
    const values = new Float64Array(n);
    let at = 0;
    for (const c of list) {
      values.set(c[column].subarray(0, c.n), at);
      at += c.n;
    }
    out[column] = values;
  }
  return { ...out, n } as DecodedChunk<C>;
}

/**
 * `decode(chunk)`, or the error it threw: a stored chunk that does not decode is damaged (a damaged
 * file or a writer's bug). Readers skip it and packers set it aside (`metric_chunks_damaged`, see
 * damagedChunkWarning), so that one damaged chunk fails neither a chart nor the packing of the
 * series around it.
 */
export function decodedOrDamage<C, T>(decode: (chunk: C) => T, chunk: C): T | Error {
  try {
    return decode(chunk);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Decoded chunk rows checked against what the chunk's table row says of them: throws (the chunk is
 * damaged, see decodedOrDamage) unless there are `n`, their `time` strictly increasing inside
 * [start, start + span) (ms), and every value a finite number or null. A chunk can decode and still
 * be damaged: a bit flipped in its count, where constant columns store no values a row, decodes to
 * rows that were never stored, and a flipped exponent to NaN where no value may be missing.
 */
export function checkedRows<T extends object>(
  rows: T[],
  chunk: { n: number; start: number; span: number },
  time: (row: T) => number,
): T[] {
  checkTimes(rows.length, (i) => time(rows[i] as T), chunk);
  for (const row of rows)
    for (const value of Object.values(row))
      if (value !== null && !Number.isFinite(value))
        throw new Error(`a value of the chunk at ${time(row)} is ${value}`);
  return rows;
}

/**
 * Throws (the chunk is damaged) unless a decoded chunk's `count` rows are the `n` its table row
 * says and their times, `time(i)`, strictly increase inside [start, start + span) (ms).
 */
export function checkTimes(
  count: number,
  time: (i: number) => number,
  chunk: { n: number; start: number; span: number },
): void {
  if (count !== chunk.n) throw new Error(`the chunk holds ${count} rows where its row says ${chunk.n}`);
  let previous = chunk.start - 1;
  for (let i = 0; i < count; i++) {
    const t = time(i);
    if (!(t > previous && t < chunk.start + chunk.span))
      throw new Error(`a row of the chunk at ${t} is out of order or outside its span`);
    previous = t;
  }
}

/** The chunks decoded by `decode`, for a reader: one that does not decode (decodedOrDamage) is left out. */
export function decodedChunks<C, T>(decode: (chunk: C) => T, chunks: readonly C[]): T[] {
  const decoded: T[] = [];
  for (const chunk of chunks) {
    const d = decodedOrDamage(decode, chunk);
    if (!(d instanceof Error)) decoded.push(d);
  }
  return decoded;
}

/** A stored NaN (a null of a nullable column) as null. */
export function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function readColumn(input: ByteReader, n: number, rice: boolean): Float64Array {
  const flags = input.byte();
  const scale = flags & SHIFTED ? 2 ** input.byte() : 1;
  const nulls = flags & NULLS ? input.bytes(Math.ceil(n / 8)) : null;
  const isNull = (i: number) => nulls !== null && ((nulls[i >> 3] as number) & (1 << (i & 7))) !== 0;
  let present = n;
  if (nulls !== null) for (let i = 0; i < n; i++) if (isNull(i)) present--;
  const stored =
    flags & FLOAT ? input.floats(present) : rice ? readRice(input, present) : input.deltas(present);
  if (scale !== 1) for (let i = 0; i < present; i++) stored[i] = (stored[i] as number) * scale;
  if (present === n) return stored;
  const values = new Float64Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) values[i] = isNull(i) ? Number.NaN : (stored[next++] as number);
  return values;
}

// Loops rather than TypedArray's filter and map, whose callbacks' values were each a heap number:
// most of what a packer's encoding allocated (BENCHMARKS.md figure 3).

/** The first `n` values that are not NaN (null), in order: `values` itself when none is. */
function presentValues(values: Float64Array, n: number): Float64Array {
  let count = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(values[i])) count++;
  if (count === values.length) return values;
  const present = new Float64Array(count);
  let next = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(values[i])) present[next++] = values[i] as number;
  return present;
}

/** Each value divided by `divisor`, in new array. */
function divided(values: Float64Array, divisor: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) / divisor;
  return out;
}

/** The largest power of two, up to 2^MAX_SHIFT, that divides every value (as its exponent). */
function commonShift(values: Float64Array): number {
  if (values.length === 0) return 0;
  // One pass, the shift only ever lowered: a pass per candidate shift (up to 16 over a column of
  // zeros) was 6 % of the telemetry writer's time (BENCHMARKS.md figure 3).
  let shift = MAX_SHIFT;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    while (shift > 0 && v % 2 ** shift !== 0) shift--;
    if (shift === 0) break;
  }
  return shift;
}

function deltasFit(values: Float64Array): boolean {
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isSafeInteger(v) || Math.abs(v - previous) >= MAX_DELTA) return false;
    previous = v;
  }
  return true;
}

const zigzag = (d: number) => (d >= 0 ? 2 * d : -2 * d - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** One way of coding a column: its mode, the header values (zigzag) and the residuals (≥ 0). */
interface Candidate {
  mode: Mode;
  header: number[];
  residuals: Float64Array;
}

/**
 * Integers (each |delta| < MAX_DELTA, deltasFit) as one column: a byte of mode and Rice
 * parameter k, the header varints, then the residuals' Rice codes, padded to a whole byte.
 */
function writeRice(out: ByteWriter, values: Float64Array): void {
  const first = values[0];
  if (first === undefined || values.every((v) => v === first)) {
    out.byte(Mode.Constant << 6);
    out.varint(zigzag(first ?? 0));
    return;
  }
  const deltas = values.slice(1).map((v, i) => v - (values[i] as number));
  const min = Math.min(...values);
  const candidates: Candidate[] = [
    { mode: Mode.Delta, header: [zigzag(first)], residuals: deltas.map(zigzag) },
  ];
  if (values.every((v) => v - min < MAX_DELTA))
    candidates.push({ mode: Mode.Level, header: [zigzag(min)], residuals: values.map((v) => v - min) });
  const secondOrder = deltas.slice(1).map((d, i) => d - (deltas[i] as number));
  if (secondOrder.every((d) => Math.abs(d) < MAX_DELTA))
    candidates.push({
      mode: Mode.DeltaOfDelta,
      header: [zigzag(first), zigzag(deltas[0] as number)],
      residuals: secondOrder.map(zigzag),
    });
  let best = { bits: Number.POSITIVE_INFINITY, k: 0, candidate: candidates[0] as Candidate };
  for (const candidate of candidates) {
    const { bits, k } = bestRiceParameter(candidate.residuals);
    const headerBits = candidate.header.reduce((sum, h) => sum + 8 * varintBytes(h), 0);
    if (bits + headerBits < best.bits) best = { bits: bits + headerBits, k, candidate };
  }
  const allZero = best.candidate.residuals.every((r) => r === 0);
  out.byte((best.candidate.mode << 6) | (allZero ? ALL_ZERO : best.k));
  for (const h of best.candidate.header) out.varint(h);
  if (allZero) return;
  const bits = new BitWriter(out);
  for (const r of best.candidate.residuals) bits.rice(r, best.k);
  bits.flush();
}

/** `n` integers of a column made by writeRice. */
function readRice(input: ByteReader, n: number): Float64Array {
  const out = new Float64Array(n);
  const head = input.byte();
  const mode = (head >> 6) as Mode;
  const k = head & 0x3f;
  if (mode === Mode.Constant) {
    out.fill(unzigzag(input.varint()));
    return out;
  }
  const header = [input.varint()];
  if (mode === Mode.DeltaOfDelta) header.push(input.varint());
  const bits = new BitReader(input, k === ALL_ZERO);
  if (mode === Mode.Level) {
    const min = unzigzag(header[0] as number);
    for (let i = 0; i < n; i++) out[i] = min + bits.rice(k);
  } else {
    let value = unzigzag(header[0] as number);
    let delta = mode === Mode.DeltaOfDelta ? unzigzag(header[1] as number) : 0;
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        if (mode === Mode.Delta) delta = unzigzag(bits.rice(k));
        else if (i > 1) delta += unzigzag(bits.rice(k));
        value += delta;
      }
      out[i] = value;
    }
  }
  bits.end();
  return out;
}

/** The Rice parameter k that codes `residuals` in the fewest bits, and those bits. */
function bestRiceParameter(residuals: Float64Array): { bits: number; k: number } {
  if (residuals.length === 0) return { bits: 0, k: 0 };
  const mean = residuals.reduce((sum, r) => sum + r, 0) / residuals.length;
  // The optimum lies at about log2 of the mean (Rice 1979); the neighbours are tried too.
  const around = Math.max(0, Math.floor(Math.log2(mean + 1)));
  let best = { bits: Number.POSITIVE_INFINITY, k: 0 };
  for (let k = Math.max(0, around - 2); k <= Math.min(RESIDUAL_BITS - 1, around + 1); k++) {
    let bits = 0;
    for (const r of residuals) bits += riceBits(r, k);
    if (bits < best.bits) best = { bits, k };
  }
  return best;
}

function riceBits(r: number, k: number): number {
  const q = Math.floor(r / 2 ** k);
  return q < ESCAPE ? q + 1 + k : ESCAPE + RESIDUAL_BITS;
}

function varintBytes(v: number): number {
  let bytes = 1;
  for (let rest = v; rest >= 0x80; rest = Math.floor(rest / 0x80)) bytes++;
  return bytes;
}

/** Bytes appended to one buffer, grown as needed; reset starts over in the same buffer. */
class ByteWriter {
  #buffer = new Uint8Array(INITIAL_WRITER_BYTES);
  #length = 0;

  reset(): void {
    this.#length = 0;
  }

  /** Lets a buffer grown past KEPT_WRITER_BYTES go (an hour's chunk), once its result is used. */
  release(): void {
    if (this.#buffer.length > KEPT_WRITER_BYTES) this.#buffer = new Uint8Array(INITIAL_WRITER_BYTES);
  }

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

  /** Integers as zigzag varint deltas, the first from 0. */
  deltas(values: Float64Array): void {
    let previous = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      this.varint(zigzag(v - previous));
      previous = v;
    }
  }

  /** Float64 values as 8 planes: every value's first byte, then every second byte, … */
  floats(values: Float64Array): void {
    const raw = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.#reserve(raw.length);
    for (let plane = 0; plane < 8; plane++)
      for (let i = 0; i < values.length; i++) this.#buffer[this.#length++] = raw[i * 8 + plane] ?? 0;
  }

  result(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }
}

const INITIAL_WRITER_BYTES = 16 * 1024;
/** A minute chunk of 500 samples codes to about 10 KiB before zstd; an hour's is 60 times that. */
const KEPT_WRITER_BYTES = 1024 * 1024;

/**
 * The one ByteWriter encodeColumns codes into, each chunk in turn: its result is copied out
 * (compressed or sliced) before the next chunk starts, and a buffer per chunk grew from 1 KiB by
 * doubling, each step garbage outside V8's heap.
 */
const scratchWriter = new ByteWriter();

class ByteReader {
  readonly #buffer: Uint8Array;
  #offset = 0;

  constructor(buffer: Uint8Array) {
    this.#buffer = buffer;
  }

  get atEnd(): boolean {
    return this.#offset >= this.#buffer.length;
  }

  byte(): number {
    const b = this.#buffer[this.#offset++];
    if (b === undefined) throw new Error("chunk ends early");
    return b;
  }

  bytes(n: number): Uint8Array {
    if (this.#offset + n > this.#buffer.length) throw new Error("chunk ends early");
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

  /** n zigzag varint deltas (ByteWriter.deltas), summed back into the values. */
  deltas(n: number): Float64Array {
    const out = new Float64Array(n);
    let previous = 0;
    for (let i = 0; i < n; i++) {
      previous += unzigzag(this.varint());
      out[i] = previous;
    }
    return out;
  }
}

/** Bits, most significant first, into a ByteWriter; flush pads the last byte with zeros. */
class BitWriter {
  readonly #out: ByteWriter;
  #byte = 0;
  #used = 0;

  constructor(out: ByteWriter) {
    this.#out = out;
  }

  /** `value` (an integer below 2^count, count ≤ 53) in `count` bits, a byte's worth at a time. */
  bits(value: number, count: number): void {
    let left = count;
    while (left > 0) {
      const take = Math.min(left, 8 - this.#used);
      left -= take;
      const part = Math.floor(value / 2 ** left) % 2 ** take;
      this.#byte = (this.#byte << take) | part;
      this.#used += take;
      if (this.#used === 8) this.flush();
    }
  }

  /** r ≥ 0 as a Rice code: its quotient by 2^k in unary (ones, then a zero) and its k low bits. */
  rice(r: number, k: number): void {
    const q = Math.floor(r / 2 ** k);
    if (q >= ESCAPE) {
      for (let i = 0; i < ESCAPE; i++) this.#bit(1);
      this.bits(r, RESIDUAL_BITS);
      return;
    }
    for (let i = 0; i < q; i++) this.#bit(1);
    this.#bit(0);
    this.bits(r - q * 2 ** k, k);
  }

  flush(): void {
    if (this.#used > 0) this.#out.byte(this.#byte << (8 - this.#used));
    this.#byte = 0;
    this.#used = 0;
  }

  #bit(b: number): void {
    this.#byte = (this.#byte << 1) | b;
    if (++this.#used === 8) this.flush();
  }
}

/** Reads what a BitWriter wrote; end skips the padding to the next byte. */
class BitReader {
  readonly #input: ByteReader;
  readonly #allZero: boolean;
  #byte = 0;
  #left = 0;

  /** `allZero`: the column wrote no residuals; each reads as 0. */
  constructor(input: ByteReader, allZero: boolean) {
    this.#input = input;
    this.#allZero = allZero;
  }

  bits(count: number): number {
    let value = 0;
    let left = count;
    while (left > 0) {
      if (this.#left === 0) {
        this.#byte = this.#input.byte();
        this.#left = 8;
      }
      const take = Math.min(left, this.#left);
      this.#left -= take;
      value = value * 2 ** take + ((this.#byte >> this.#left) & ((1 << take) - 1));
      left -= take;
    }
    return value;
  }

  rice(k: number): number {
    if (this.#allZero) return 0;
    let q = 0;
    while (q < ESCAPE && this.#bit() === 1) q++;
    if (q === ESCAPE) return this.bits(RESIDUAL_BITS);
    return q * 2 ** k + this.bits(k);
  }

  end(): void {
    this.#left = 0;
  }

  #bit(): number {
    if (this.#left === 0) {
      this.#byte = this.#input.byte();
      this.#left = 8;
    }
    this.#left--;
    return (this.#byte >> this.#left) & 1;
  }
}
