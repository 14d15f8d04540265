import { decodedOrDamage } from "../chunk-codec.ts";
import { SAMPLE_FIELDS, type SeriesSample } from "../metric-chunk.ts";

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

  /** Row `i` as a sample. */
  sample(i: number): SeriesSample {
    const v = this.#values;
    const n = this.n;
    const at = (f: number) => v[1 + (f + 1) * n + i] as number;
    const net = (f: number) => (Number.isNaN(at(f)) ? null : at(f));
    return {
      t: at(0),
      cpuPercent: at(1),
      onlineCpus: at(2),
      memUsedBytes: at(3),
      memLimitBytes: at(4),
      netRxBytes: net(5),
      netTxBytes: net(6),
      blkReadBytes: at(7),
      blkWriteBytes: at(8),
      pids: at(9),
    };
  }

  /** The samples of `series`, in time order: found by binary search over the sorted series ids. */
  samplesOf(series: number): SeriesSample[] {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.series(mid) < series) lo = mid + 1;
      else hi = mid;
    }
    const out: SeriesSample[] = [];
    for (let i = lo; i < this.n && this.series(i) === series; i++) out.push(this.sample(i));
    return out;
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
 * Samples of one series from several places (staging rows in write order) as one list in time
 * order, a time that came more than once kept once (its first): an agent may resend a sample.
 */
export function distinctByTime(samples: SeriesSample[]): SeriesSample[] {
  samples.sort((a, b) => a.t - b.t);
  return samples.filter((s, i) => i === 0 || s.t !== samples[i - 1]?.t);
}
