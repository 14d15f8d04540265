import type { DatabaseSync } from "node:sqlite";
import type { MetricSample } from "@crowsnest/protocol";
import {
  byPeriod,
  decodeChunk,
  encodeChunk,
  HOUR,
  MINUTE,
  SAMPLE_COLUMNS,
  type SeriesSample,
} from "../metric-chunk.ts";
import { rollupsJoining } from "../minute-rollups.ts";
import { RollupWriter } from "./rollup-writer.ts";
import type { SeriesIds } from "./series.ts";

interface ChunkRow {
  id: number;
  start: number;
  span: number;
  data: Uint8Array;
}

/**
 * Writes metric samples, inside the caller's transaction: each sample goes to its series' head
 * (rows of the newest minute) or, for a time already packed, into the chunk that covers it. When a
 * series' samples reach a new minute, its head rows of the minutes before are packed into one
 * chunk per minute (metric-chunk.ts); when they reach a new hour, the minute chunks of the hours
 * before become one chunk per hour. So the head holds about a minute per series, the current hour
 * is minute chunks, and the rest of the raw tier hour chunks.
 *
 * Rollups (RollupWriter) count a sample once it has left the head: a minute's head rows are
 * counted together as they are packed, a late sample that joins a packed chunk on its own. The
 * head's minutes are counted by whoever reads rollups (metrics.ts) or deletes head rows
 * (retention.ts). After a restart the head holds the minutes it held before: the series' first
 * sample of a later minute packs, and so counts, them; until then readers count them from the head.
 */
export class MetricWriter {
  readonly #series: SeriesIds;
  readonly #insertHead;
  readonly #headBefore;
  readonly #deleteHeadBefore;
  readonly #newestHead;
  readonly #covering;
  readonly #minuteChunksBefore;
  readonly #insertChunk;
  readonly #updateChunk;
  readonly #deleteChunk;
  readonly #rollups: RollupWriter;
  /** Per series, the minute whose samples the head holds (all older ones are packed). */
  readonly #headMinute = new Map<number, number>();

  constructor(db: DatabaseSync, series: SeriesIds) {
    this.#series = series;
    this.#insertHead = db.prepare(`
      INSERT INTO metric_head (series, t, cpu_percent, online_cpus, mem_used, mem_limit, net_rx, net_tx, blk_read, blk_write, pids)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING`);
    this.#headBefore = db.prepare(
      `SELECT ${SAMPLE_COLUMNS} FROM metric_head WHERE series = ? AND t < ? ORDER BY t`,
    );
    this.#deleteHeadBefore = db.prepare("DELETE FROM metric_head WHERE series = ? AND t < ?");
    this.#newestHead = db.prepare("SELECT max(t) AS t FROM metric_head WHERE series = ?");
    this.#covering = db.prepare(`
      SELECT id, start, span, data FROM metric_chunks WHERE series = ? AND start <= ? ORDER BY start DESC LIMIT 1`);
    this.#minuteChunksBefore = db.prepare(`
      SELECT id, start, span, data FROM metric_chunks WHERE series = ? AND start < ? AND span = ${MINUTE} ORDER BY start`);
    this.#insertChunk = db.prepare(
      "INSERT INTO metric_chunks (series, start, span, n, data) VALUES (?, ?, ?, ?, ?)",
    );
    this.#updateChunk = db.prepare("UPDATE metric_chunks SET n = ?, data = ? WHERE id = ?");
    this.#deleteChunk = db.prepare("DELETE FROM metric_chunks WHERE id = ?");
    this.#rollups = new RollupWriter(db);
  }

  /** Stores a host's samples (already on the server's time line); a sample already stored is skipped. */
  put(hostId: string, samples: readonly MetricSample[]): void {
    for (const sample of samples) {
      const series = this.#series.ensure(hostId, sample.containerId);
      const minute = sample.t - (sample.t % MINUTE);
      const head = this.#head(series);
      if (!this.#store(series, minute, head, sample)) continue;
      const hour = minute - (minute % HOUR);
      if (head === undefined || minute > head) {
        this.#pack(series, minute);
        if (head === undefined || hour > head - (head % HOUR)) {
          this.#packHours(series, hour);
          this.#rollups.pack(series, hour);
        }
        this.#headMinute.set(series, minute);
      }
    }
  }

  /** Forgets what it knew of the head: after a rolled back write. */
  forget(): void {
    this.#headMinute.clear();
  }

  /**
   * Stores one sample in the head, or in the chunk covering its time (counted then in its minute's
   * rollup: it is not in the head); false if it was there already.
   */
  #store(series: number, minute: number, head: number | undefined, sample: MetricSample): boolean {
    if (head === undefined || minute < head) {
      const chunk = this.#coveringChunk(series, sample.t);
      if (chunk !== null) {
        const stored = decodeChunk(chunk.data);
        if (stored.some((s) => s.t === sample.t)) return false;
        const added = withoutContainer(sample);
        this.#rewrite(chunk.id, [...stored, added]);
        for (const rollup of rollupsJoining(stored, [added])) this.#rollups.add(series, rollup);
        return true;
      }
    }
    // Positional parameters: node:sqlite binds an object of named ones several µs slower per row
    // (8-11 µs against 2-4 µs an insert, 300,000 of these rows in one loop on this machine).
    return (
      this.#insertHead.run(
        series,
        sample.t,
        sample.cpuPercent,
        sample.onlineCpus,
        sample.memUsedBytes,
        sample.memLimitBytes,
        sample.netRxBytes,
        sample.netTxBytes,
        sample.blkReadBytes,
        sample.blkWriteBytes,
        sample.pids,
      ).changes > 0
    );
  }

  /**
   * The minute of the series' head: known once the writer has stored a sample of it, else (after a
   * restart) its newest head row's, so that a resent sample of a minute packed before the restart
   * is found in its chunk rather than stored again in the head; undefined when the head is empty.
   */
  #head(series: number): number | undefined {
    const known = this.#headMinute.get(series);
    if (known !== undefined) return known;
    const { t } = this.#newestHead.get(series) as { t: number | null };
    if (t === null) return undefined;
    const minute = t - (t % MINUTE);
    this.#headMinute.set(series, minute);
    return minute;
  }

  #coveringChunk(series: number, t: number): ChunkRow | null {
    const chunk = this.#covering.get(series, t) as ChunkRow | undefined;
    return chunk !== undefined && t < chunk.start + chunk.span ? chunk : null;
  }

  /**
   * Packs the series' head rows older than `minute` into the chunks of their minutes (or hours),
   * counting each minute's rows that were not in its chunk yet in the minute's rollup.
   */
  #pack(series: number, minute: number): void {
    const rows = this.#headBefore.all(series, minute) as unknown as SeriesSample[];
    if (rows.length === 0) return;
    for (const [start, group] of byPeriod(rows, (s) => s.t, MINUTE)) {
      const chunk = this.#coveringChunk(series, start);
      let added = group;
      let stored: SeriesSample[] = [];
      if (chunk === null) this.#insert(series, start, MINUTE, group);
      else {
        stored = decodeChunk(chunk.data);
        const times = new Set(stored.map((s) => s.t));
        added = group.filter((s) => !times.has(s.t));
        this.#rewrite(chunk.id, [...stored, ...added]);
      }
      for (const rollup of rollupsJoining(stored, added)) this.#rollups.add(series, rollup);
    }
    this.#deleteHeadBefore.run(series, minute);
  }

  /** Makes the series' minute chunks of the hours before `hour` one chunk per hour. */
  #packHours(series: number, hour: number): void {
    const chunks = this.#minuteChunksBefore.all(series, hour) as unknown as ChunkRow[];
    for (const [start, minutes] of byPeriod(chunks, (c) => c.start, HOUR)) {
      const samples = minutes.flatMap((c) => decodeChunk(c.data));
      for (const chunk of minutes) this.#deleteChunk.run(chunk.id);
      this.#insert(series, start, HOUR, samples);
    }
  }

  #insert(series: number, start: number, span: number, samples: SeriesSample[]): void {
    samples.sort((a, b) => a.t - b.t);
    this.#insertChunk.run(series, start, span, samples.length, encodeChunk(samples));
  }

  #rewrite(id: number, samples: SeriesSample[]): void {
    samples.sort((a, b) => a.t - b.t);
    this.#updateChunk.run(samples.length, encodeChunk(samples), id);
  }
}

function withoutContainer(sample: MetricSample): SeriesSample {
  const { containerId: _, ...rest } = sample;
  return rest;
}
