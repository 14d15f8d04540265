import { decodedOrDamage } from "../chunk-codec.ts";
import { type ChunkColumns, SAMPLE_FIELDS, type SeriesSample, sampleAt } from "../metric-chunk.ts";

/**
 * A staging row (`metric_staging`, migration 14) holds the samples of one minute that one write
 * brought for the series of one host whose ids share `id >> GROUP_BITS`: 128 consecutive ids, so a host's
 * containers, whose series are made together, fill a few rows a write (fewer, larger rows cost
 * the writer less per sample), and a reader of one series reads only its group's rows.
 */
export const GROUP_BITS = 7;

/** The staging group of a series id (see GROUP_BITS). */
export function stagingGroup(series: number): number {
  return Math.floor(series / 2 ** GROUP_BITS);
}

/** A sample bound for staging, with the series it belongs to. */
export interface StagedSample {
  series: number;
  sample: SeriesSample;
}

/**
 * Encodes samples as a staging row's `data`: 64-bit floats in the machine's byte order (little
 * endian on every platform Node ships for but s390x; the rows live only until packed, minutes,
 * on the machine that wrote them): `n`, then `n` series ids, then each of SAMPLE_FIELDS' `n` values, a
 * null as NaN, rows in (series, t) order. No compression: a row is read back whole within a minute
 * or two, and writing it costs one copy of each value (the write is what the head rows it replaced
 * made slow: BENCHMARKS.md figure 3). Sorts `samples` in place.
 */
export function encodeStaged(samples: StagedSample[]): Uint8Array {
  samples.sort((a, b) => a.series - b.series || a.sample.t - b.sample.t);
  const n = samples.length;
  const out = new Float64Array(1 + n * (1 + SAMPLE_FIELDS.length));
  out[0] = n;
  for (let i = 0; i < n; i++) {
    const { series, sample } = samples[i] as StagedSample;
    out[1 + i] = series;
    for (let f = 0; f < SAMPLE_FIELDS.length; f++) {
      out[1 + (f + 1) * n + i] = sample[SAMPLE_FIELDS[f] as (typeof SAMPLE_FIELDS)[number]] ?? Number.NaN;
    }
  }
  return new Uint8Array(out.buffer);
}

/**
 * A staging row's `data` (encodeStaged) read in place, over its 64-bit values. Throws when their
 * count does not fit the layout (a row not written by encodeStaged).
 */
export class StagedRow {
  readonly n: number;
  readonly #values: Float64Array;

  constructor(values: Float64Array) {
    this.#values = values;
    this.n = values[0] ?? 0;
    if (values.length === 0 || values.length !== 1 + this.n * (1 + SAMPLE_FIELDS.length)) {
      throw new Error(`a staging row of ${values.byteLength} bytes does not hold ${this.n} samples`);
    }
  }

  /** The series of row `i`. */
  series(i: number): number {
    return this.#values[1 + i] as number;
  }

  /**
   * Copies the values of SAMPLE_FIELDS[f] of rows [from, to) (a null as NaN) into `into` from
   * index `at`. A loop: a view per field, row and series was what gathering a group allocated most.
   */
  copyField(f: number, from: number, to: number, into: Float64Array, at: number): void {
    const base = 1 + (f + 1) * this.n;
    for (let i = from; i < to; i++) into[at + i - from] = this.#values[base + i] as number;
  }

  /** The rows of `series`, [from, to), in time order: found by binary search over the sorted series ids. */
  rangeOf(series: number): { from: number; to: number } {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.series(mid) < series) lo = mid + 1;
      else hi = mid;
    }
    let to = lo;
    while (to < this.n && this.series(to) === series) to++;
    return { from: lo, to };
  }
}

/** Throws unless `data` can hold 64-bit values: a whole number of them, at least one. */
function checkLength(data: Uint8Array): void {
  if (data.byteLength % 8 !== 0 || data.byteLength === 0) {
    throw new Error(`a staging row of ${data.byteLength} bytes is not one of 64-bit values`);
  }
}

/**
 * A staging row's `data` decoded, or the error that says why it is not a staging row (damaged: see
 * migration 17), for the callers that go on without it.
 */
export function decodeStaged(data: Uint8Array): StagedRow | Error {
  return decodedOrDamage((d) => {
    checkLength(d);
    // A Float64Array needs an 8-byte aligned offset; node:sqlite's blobs start their own buffer.
    const bytes = d.byteOffset % 8 === 0 ? d : d.slice();
    return new StagedRow(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8));
  }, data);
}

/**
 * Values a StagedRows keeps from one group to the next (16 MiB): a minute of a group's 128 series at
 * 8 samples a second each (figure 3's ingest) is 5.6 MiB. More, a backlog of minutes, is let go.
 */
const KEPT_VALUES = 2 ** 21;

/**
 * Staging rows copied out of the blobs node:sqlite returns into one buffer, used again for each
 * group the packer reads. A blob is then garbage as soon as it is copied, and dies young: a
 * group's minute read whole and held through its packing outlived scavenges, and waited outside
 * V8's heap for the next full collection (BENCHMARKS.md figure 3).
 */
export class StagedRows {
  #values = new Float64Array(1024);
  #used = 0;

  /** Starts the next group: the rows read so far must no longer be used. */
  reset(): void {
    this.#used = 0;
    if (this.#values.length > KEPT_VALUES) this.#values = new Float64Array(1024);
  }

  /** `data` copied in and read as a staging row (decodeStaged), or the error that says why it is not one. */
  read(data: Uint8Array): StagedRow | Error {
    const length = data.byteLength / 8;
    if (this.#used + length > this.#values.length) {
      // Outside decodedOrDamage: a buffer that cannot be had is no damage of the row, and throws.
      // The rows read before keep the old buffer; the group's next rows go to the new one.
      this.#values = new Float64Array(Math.max(2 * this.#values.length, Math.ceil(length)));
      this.#used = 0;
    }
    return decodedOrDamage((d) => {
      checkLength(d);
      const values = this.#values.subarray(this.#used, this.#used + length);
      new Uint8Array(values.buffer, values.byteOffset, d.byteLength).set(d);
      const row = new StagedRow(values);
      this.#used += length;
      return row;
    }, data);
  }
}

/**
 * Columns a SeriesColumns keeps from one series to the next (64 Ki values each, 5 MiB in all): a
 * minute of a series at figure 3's ingest is 500 samples. More, a backlog of minutes, is let go.
 */
const KEPT_ROWS = 2 ** 16;

/**
 * One series' staged samples gathered from staging rows (in write order) as columns, used again for
 * each series: the packer and readers take a series' samples from a group's rows without making
 * an object per sample, the packer's largest cost in garbage (BENCHMARKS.md figure 3).
 */
export class SeriesColumns {
  #columns = SAMPLE_FIELDS.map(() => new Float64Array(1024));
  #n = 0;

  /** Starts the next series: the columns handed out so far must no longer be used. */
  clear(): void {
    this.#n = 0;
    if ((this.#columns[0]?.length ?? 0) > KEPT_ROWS)
      this.#columns = SAMPLE_FIELDS.map(() => new Float64Array(1024));
  }

  /** Appends the samples of `series` that `row` holds; returns how many. */
  append(row: StagedRow, series: number): number {
    const { from, to } = row.rangeOf(series);
    const n = this.#n + to - from;
    const capacity = this.#columns[0]?.length ?? 0;
    if (n > capacity) {
      const size = Math.max(2 * capacity, n);
      this.#columns = this.#columns.map((old) => {
        const grown = new Float64Array(size);
        grown.set(old.subarray(0, this.#n));
        return grown;
      });
    }
    this.#columns.forEach((column, f) => {
      row.copyField(f, from, to, column, this.#n);
    });
    this.#n = n;
    return to - from;
  }

  /**
   * The samples appended, in time order, a time that came more than once kept once (its first):
   * an agent may resend a sample. Views of this SeriesColumns' buffers where the samples came in
   * order (as they nearly always do), else new columns.
   */
  distinct(): ChunkColumns {
    const n = this.#n;
    const t = this.#columns[0] as Float64Array;
    let ordered = true;
    for (let i = 1; i < n && ordered; i++) ordered = (t[i] as number) > (t[i - 1] as number);
    if (ordered) return this.#select(n, null);
    // Ties in time broken by arrival, so that the first of a resent time sorts first and is kept.
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => (t[a] as number) - (t[b] as number) || a - b,
    );
    const kept = order.filter((i, k) => k === 0 || t[i] !== t[order[k - 1] as number]);
    return this.#select(kept.length, kept);
  }

  /** The first `n` rows as columns (views), or the rows `rows` in that order (copies). */
  #select(n: number, rows: number[] | null): ChunkColumns {
    const out: Record<string, Float64Array> = {};
    SAMPLE_FIELDS.forEach((field, f) => {
      const column = this.#columns[f] as Float64Array;
      if (rows === null) out[field] = column.subarray(0, n);
      else {
        // A loop, not Float64Array.from's callback, whose values were each a heap number.
        const picked = new Float64Array(n);
        for (let k = 0; k < n; k++) picked[k] = column[rows[k] as number] as number;
        out[field] = picked;
      }
    });
    return { ...out, n } as ChunkColumns;
  }
}

/** The samples of `series` that staging rows (in write order) hold, as SeriesColumns.distinct gives them, as objects. */
export function seriesSamples(rows: readonly StagedRow[], series: number): SeriesSample[] {
  const columns = new SeriesColumns();
  for (const row of rows) columns.append(row, series);
  const c = columns.distinct();
  return Array.from({ length: c.n }, (_, i) => sampleAt(c, i));
}
