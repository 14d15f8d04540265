import type { DatabaseSync } from "node:sqlite";
import { joinContents } from "../chunk-codec.ts";
import {
  byMinute,
  byPeriod,
  type ChunkColumns,
  encodeSamples,
  HOUR,
  joinSamples,
  MINUTE,
  minuteRows,
  rowsBetween,
  SAMPLE_COLUMNS,
  type SeriesSample,
  type StoredChunk,
  storedColumns,
  storedContent,
} from "../metric-chunk.ts";
import { minuteRollup } from "../minute-rollups.ts";
import { SqliteSetAside } from "./damaged-chunks.ts";
import { transaction } from "./database.ts";
import { RollupWriter } from "./rollup-writer.ts";
import { firstSeriesNotIn } from "./series.ts";
import {
  encodeStaged,
  SeriesColumns,
  StagedRow,
  StagedRows,
  type StagedSample,
  stagingGroup,
} from "./staged-samples.ts";

/**
 * A staging row is packed once the minute of its samples has been over this long (ms) by the
 * arrival clock, so that the batches an agent cut at that minute's end, which reach the server a
 * second or two later, are packed with it rather than merged into its chunks afterwards.
 */
export const PACK_GRACE_MS = 5_000;

/**
 * A staging group being packed: its rows of minutes up to `cutoff` with ids up to `lastId`, read
 * once, and its series in id order, of which those from index `next` on are still to pack.
 */
interface GroupInProgress {
  hostId: string;
  grp: number;
  cutoff: number;
  lastId: number;
  rows: StagedRow[];
  series: number[];
  next: number;
}

interface ChunkRow extends StoredChunk {
  id: number;
}

/**
 * Moves staged samples (migration 14, staged-samples.ts) into the raw tier's chunks, inside the
 * caller's transaction, on the telemetry writer's connection only (the writer after each write,
 * and for the retention sweep): it keeps in memory how far it got through a group. A group's due
 * rows are packed a slice of its series at a time: each series' samples join the chunk of their
 * minute (made if new, else decoded, merged and rewritten; a time already there is skipped, so a
 * resent sample is stored and counted once). Minute chunks of finished hours become one chunk per
 * series and hour, a budget of them with each write (packHoursDue). Rollups (RollupWriter) count
 * each sample as it joins a chunk.
 */
export class SqliteMetricPacker {
  readonly #db: DatabaseSync;
  readonly #insertStaged;
  readonly #defer;
  readonly #due;
  readonly #lastDueId;
  readonly #rowsLeft;
  readonly #groupRows;
  readonly #moveStagingRow;
  readonly #deleteRow;
  readonly #deleteGroup;
  readonly #covering;
  readonly #minuteChunksFrom;
  readonly #stagedBefore;
  readonly #minuteChunksBefore;
  readonly #insertChunk;
  readonly #updateChunk;
  readonly #deleteChunk;
  readonly #rollups: RollupWriter;
  readonly #aside: SqliteSetAside;
  /** The group whose series are being packed, slice by slice (packDue). */
  #inProgress: GroupInProgress | null = null;
  /** Where the group in progress's rows are read to. */
  readonly #staged = new StagedRows();
  /** Where a series' samples are gathered from its group's rows. */
  readonly #series = new SeriesColumns();
  /**
   * Samples packHoursDue may still pack: each call adds its limit (at most one limit is kept), and
   * a series' hour that takes more is paid for by the calls after. A series' hour is 30,000 samples
   * at 8 a second, where a write staging 2,500 allows 3,125: counted a call at a time, hours went
   * about ten times faster than the budget, every series' in three minutes at 108–112 % of a core
   * and ack p99 up to 5.7 s (BENCHMARKS.md figure 3, the hold across 11:00 on 3d7e31a).
   */
  #hourCredit = 0;
  /** Series whose hours failed to pack at `bound` (packHoursDue): passed over until the bound moves. */
  #failedHours: { bound: number; series: Set<number> } = { bound: Number.NaN, series: new Set() };
  /** The packing error last reported, so that one that repeats is reported once. */
  #reported: string | null = null;
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#defer = db.prepare(
      "UPDATE metric_staging SET minute = ? WHERE host_id = ? AND grp = ? AND minute <= ?",
    );
    this.#insertStaged = db.prepare(
      "INSERT INTO metric_staging (host_id, grp, minute, data) VALUES (?, ?, ?, ?)",
    );
    // The oldest due row's group: one step down the `minute` index (a DISTINCT over due rows
    // would walk every row of each group).
    this.#due = db.prepare(`
      SELECT host_id AS hostId, grp FROM metric_staging INDEXED BY metric_staging_minute
      WHERE minute <= ? ORDER BY minute LIMIT 1`);
    this.#lastDueId = db.prepare(
      "SELECT max(id) AS lastId FROM metric_staging WHERE host_id = ? AND grp = ? AND minute <= ?",
    );
    this.#rowsLeft = db.prepare(
      "SELECT count(*) AS n FROM metric_staging WHERE host_id = ? AND grp = ? AND minute <= ? AND id <= ?",
    );
    this.#groupRows = db.prepare(
      "SELECT id, data FROM metric_staging WHERE host_id = ? AND grp = ? AND minute <= ? AND id <= ? ORDER BY id",
    );
    this.#moveStagingRow = db.prepare(`
      INSERT INTO metric_staging_damaged (id, host_id, grp, minute, data, error, set_aside_at)
      SELECT id, host_id, grp, minute, data, ?, ? FROM metric_staging WHERE id = ?`);
    this.#deleteRow = db.prepare("DELETE FROM metric_staging WHERE id = ?");
    this.#deleteGroup = db.prepare(
      "DELETE FROM metric_staging WHERE host_id = ? AND grp = ? AND minute <= ? AND id <= ?",
    );
    this.#covering = db.prepare(`
      SELECT id, n, start, span, data FROM metric_chunks WHERE series = ? AND start <= ? ORDER BY start DESC LIMIT 1`);
    // A partial index serves only a query whose WHERE has its condition as written (a literal span).
    this.#minuteChunksFrom = db.prepare(`
      SELECT series FROM metric_chunks INDEXED BY metric_chunks_minutes
      WHERE span = ${MINUTE} AND start < ? ORDER BY start`);
    this.#stagedBefore = db.prepare(
      "SELECT 1 FROM metric_staging INDEXED BY metric_staging_minute WHERE minute < ? LIMIT 1",
    );
    this.#minuteChunksBefore = db.prepare(`
      SELECT id, n, start, span, data FROM metric_chunks WHERE series = ? AND start < ? AND span = ${MINUTE} ORDER BY start`);
    this.#insertChunk = db.prepare(
      "INSERT INTO metric_chunks (series, start, span, n, data) VALUES (?, ?, ?, ?, ?)",
    );
    this.#updateChunk = db.prepare("UPDATE metric_chunks SET n = ?, data = ? WHERE id = ?");
    this.#deleteChunk = db.prepare("DELETE FROM metric_chunks WHERE id = ?");
    this.#aside = new SqliteSetAside(db);
    this.#rollups = new RollupWriter(db, this.#aside);
  }

  /** Stages one host's samples: one row per staging group and minute they fall in. */
  stage(hostId: string, samples: StagedSample[]): void {
    const rows = new Map<string, { grp: number; minute: number; samples: StagedSample[] }>();
    for (const s of samples) {
      const grp = stagingGroup(s.series);
      const minute = s.sample.t - (s.sample.t % MINUTE);
      const key = `${grp}/${minute}`;
      const row = rows.get(key);
      if (row) row.samples.push(s);
      else rows.set(key, { grp, minute, samples: [s] });
    }
    for (const row of rows.values())
      this.#insertStaged.run(hostId, row.grp, row.minute, encodeStaged(row.samples));
  }

  /**
   * Packs the staging rows of minutes over for PACK_GRACE_MS at `now` (ms), oldest first, a slice
   * of a group's series at a time, until at least `limit` samples are packed or none is due;
   * returns the staged samples it took (a resent one counted, though stored once). A group's rows
   * go once all its series are packed; until then readers find a packed series' samples in both
   * places and keep one of each time, and packing one again stores nothing twice (#packSeries), so
   * that the progress kept in memory may be lost (forget). A row that does not decode is set aside
   * (#setAsideRow) and the rest of its group packed. Each slice is packed in a savepoint: a group
   * that fails all the same (a value the tables refuse) is put off to the next minute, its rows kept
   * and still read, and reported once as a process warning, so that it holds up neither the write
   * that packs nor any other group. Throws only what leaves the transaction unusable
   * (SQLite rolled it back: a full disk), and then the caller's write fails.
   */
  packDue(now: number, limit: number): number {
    const cutoff = now - PACK_GRACE_MS - MINUTE;
    let packed = 0;
    while (packed < limit) {
      let group = this.#inProgress;
      if (group === null) {
        const due = this.#due.get(cutoff) as { hostId: string; grp: number } | undefined;
        if (due === undefined) break;
        const { lastId } = this.#lastDueId.get(due.hostId, due.grp, cutoff) as { lastId: number };
        group = { ...due, cutoff, lastId, rows: [], series: [], next: 0 };
      }
      const slice = group;
      this.#inSavepoint(
        () => {
          if (slice.next === 0 || !this.#stillStaged(slice)) this.#read(slice, now);
          packed += this.#packSlice(slice, limit - packed);
        },
        (err) => {
          this.#drop();
          this.#defer.run(now - (now % MINUTE), slice.hostId, slice.grp, slice.cutoff);
          this.#report(
            `packing staged metric samples of host ${slice.hostId} failed (tried again in a minute)`,
            err,
          );
        },
      );
    }
    return packed;
  }

  /**
   * Forgets the group being packed and the warnings held (after a rolled back transaction): it
   * starts again from its first series.
   */
  forget(): void {
    this.#drop();
    this.#aside.rolledBack();
  }

  /** Emits the warnings of what the committed transaction set aside. */
  committed(): void {
    this.#aside.committed();
  }

  /**
   * Moves a staging row that does not decode to `metric_staging_damaged` (migration 17), reported
   * as a process warning: no packing could ever take it, and retrying it held up its group.
   */
  #setAsideRow(hostId: string, id: number, error: Error, now: number): void {
    this.#moveStagingRow.run(error.message, now, id);
    this.#deleteRow.run(id);
    this.#aside.warn(
      `a damaged staging row of host ${hostId} (metric_staging id ${id}) was set aside in metric_staging_damaged: ${error.message}`,
    );
  }

  /**
   * Runs `work` in a savepoint: kept when it returns, and its result returned; rolled back when it
   * throws, `failed` called with the error, and undefined returned. Rethrows an error after which
   * SQLite has rolled the whole transaction back (a full disk): the caller's write fails with it.
   */
  #inSavepoint<T>(work: () => T, failed: (err: unknown) => void): T | undefined {
    this.#db.exec("SAVEPOINT pack");
    try {
      const result = work();
      this.#db.exec("RELEASE pack");
      this.#aside.released();
      return result;
    } catch (err) {
      if (!this.#db.isTransaction) throw err;
      this.#db.exec("ROLLBACK TO pack");
      this.#db.exec("RELEASE pack");
      this.#aside.rolledBackSlice();
      failed(err);
      return undefined;
    }
  }

  /** Emits `what` failed as a process warning, once while the same failure repeats. */
  #report(what: string, err: unknown): void {
    const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
    if (message !== this.#reported) process.emitWarning(message);
    this.#reported = message;
  }

  /**
   * Whether the rows read for the group in progress are all still staged: only this packer removes
   * staging rows, but a host deleted on another connection takes its rows with it.
   */
  #stillStaged(group: GroupInProgress): boolean {
    const { n } = this.#rowsLeft.get(group.hostId, group.grp, group.cutoff, group.lastId) as { n: number };
    return n === group.rows.length;
  }

  /**
   * Reads the group's due rows, once a group (again if they changed: #stillStaged), and lists its
   * series from `group.series[group.next]` on (all of them the first time). A row that does not
   * decode is set aside (#setAsideRow). Each slice read them all again before: a minute of a group
   * is 5.6 MiB at figure 3's ingest, where a write packs 10–40 series of about 500 samples each.
   */
  #read(group: GroupInProgress, now: number): void {
    const from = group.series[group.next] ?? 0;
    this.#staged.reset();
    group.rows = [];
    const damaged: { id: number; error: Error }[] = [];
    // One row at a time: each blob is garbage once copied (StagedRows).
    for (const row of this.#groupRows.iterate(
      group.hostId,
      group.grp,
      group.cutoff,
      group.lastId,
    ) as Iterable<{
      id: number;
      data: Uint8Array;
    }>) {
      const staged = this.#staged.read(row.data);
      if (staged instanceof StagedRow) group.rows.push(staged);
      else damaged.push({ id: row.id, error: staged });
    }
    // Once the read is over: SQLite leaves undefined what a statement sees of rows changed under it.
    for (const { id, error } of damaged) this.#setAsideRow(group.hostId, id, error, now);
    const series = new Set<number>();
    for (const row of group.rows) {
      for (let i = 0; i < row.n; i++) if (row.series(i) >= from) series.add(row.series(i));
    }
    group.series = [...series].sort((a, b) => a - b);
    group.next = 0;
  }

  /**
   * Packs the group's next series until at least `budget` samples; deletes its rows once its last
   * series is packed. Returns the samples packed.
   */
  #packSlice(group: GroupInProgress, budget: number): number {
    let count = 0;
    while (group.next < group.series.length && count < budget) {
      const id = group.series[group.next++] as number;
      this.#series.clear();
      for (const row of group.rows) count += this.#series.append(row, id);
      this.#packSeries(id, this.#series.distinct());
    }
    if (group.next < group.series.length) this.#inProgress = group;
    else {
      this.#deleteGroup.run(group.hostId, group.grp, group.cutoff, group.lastId);
      this.#drop();
    }
    return count;
  }

  /** No group in progress: the next slice reads its group anew, and a large buffer is let go (StagedRows). */
  #drop(): void {
    this.#inProgress = null;
    this.#staged.reset();
  }

  /**
   * Merges one series' staged samples (columns in time order, one per time) into the chunks of
   * their minutes, counting each that was not stored yet in its minute's rollup.
   */
  #packSeries(series: number, samples: ChunkColumns): void {
    for (const [from, to] of byMinute(samples)) this.#packMinute(series, rowsBetween(samples, from, to));
  }

  /** Merges samples of one series and minute into the chunk that covers it (made if none). */
  #packMinute(series: number, samples: ChunkColumns): void {
    const t = samples.t[0] as number;
    const start = t - (t % MINUTE);
    const chunk = this.#coveringChunk(series, start);
    if (chunk === null) this.#insertMinute(series, start, samples);
    else {
      // A damaged chunk (set aside) is written over with the minute's samples alone. The minute's
      // rollup still counts what it held: a resend among them is counted twice (damage is rare).
      const decoded = this.#aside.decoded({ tier: "raw", series, ...chunk }, () => storedColumns(chunk));
      if (decoded === null) this.#rewrite(chunk, samples);
      else {
        const { merged, fresh } = joinSamples(decoded, samples);
        if (fresh.n === 0) return;
        this.#rewrite(chunk, merged);
        // Late samples: the minute counted again from all its raw samples (RollupWriter.recount).
        this.#rollups.recount(
          series,
          minuteRows(decoded, start).n,
          minuteRollup(minuteRows(merged, start), null),
          minuteRollup(fresh, decoded),
        );
        return;
      }
    }
    this.#rollups.add(series, minuteRollup(samples, null));
  }

  /** The chunk whose span holds `t`, if any (a minute's, or an hour's once that hour is packed). */
  #coveringChunk(series: number, t: number): ChunkRow | null {
    const chunk = this.#covering.get(series, t) as ChunkRow | undefined;
    return chunk !== undefined && t < chunk.start + chunk.span ? chunk : null;
  }

  /**
   * Makes minute chunks of hours finished at `now` (ms, by the arrival clock: over for
   * PACK_GRACE_MS and a minute) hour chunks, the oldest first, a series' hours at a time
   * (#packHours), while its credit of samples lasts (#hourCredit: `limit` a call, on average) or
   * until none is left; returns those samples.
   * Apart from the minutes' packing (packDue), with a budget of its own: every series reaches a new
   * hour in the same minute, and an hour's chunk decodes its 60 minute chunks (to set a damaged one
   * aside) and compresses them, so that packing it with each series' first minute of the hour put a
   * whole hour's work on the writes of one minute. The series' rollup rows of those hours become
   * rollup chunks with them. Found by the index of minute chunks (migration 23), so that a series
   * that stopped is packed too, and a restart forgets nothing. Once no minute chunk is left to pack,
   * rollup rows of finished hours with none are packed (#packRollupHour), a row counted as a sample.
   * Nothing is packed while staging of a finished hour is left (packDue fell behind): a minute
   * packed after its hour would decode and compress the whole hour's chunk again. A series whose
   * hours fail to pack (its savepoint rolled back) is reported and passed over until the next hour,
   * so that it holds up no other.
   */
  packHoursDue(now: number, limit: number): number {
    const over = now - PACK_GRACE_MS - MINUTE;
    const bound = over - (over % HOUR);
    if (this.#failedHours.bound !== bound) this.#failedHours = { bound, series: new Set() };
    const failed = this.#failedHours.series;
    this.#hourCredit = Math.min(this.#hourCredit + limit, limit);
    if (this.#stagedBefore.get(bound) !== undefined) return 0;
    let packed = 0;
    while (this.#hourCredit > 0) {
      const raw = firstSeriesNotIn(
        this.#minuteChunksFrom.iterate(bound) as Iterable<{ series: number }>,
        failed,
      );
      const rollups = raw === undefined ? this.#rollups.oldestBefore(bound, failed) : undefined;
      const series = raw?.series ?? rollups?.series;
      if (series === undefined) break;
      const n = this.#inSavepoint(
        () => (rollups === undefined ? this.#packHours(series, bound) : this.#packRollupHour(rollups, bound)),
        (err) => {
          failed.add(series);
          this.#report(`packing the hours of metric series ${series} failed (tried again next hour)`, err);
        },
      );
      packed += n ?? 0;
      this.#hourCredit -= n ?? 0;
    }
    return packed;
  }

  /**
   * Packs the rollup rows of the oldest hour of `oldest`'s series with rows before `bound`
   * (RollupWriter.oldestBefore): an hour at a time, so that a file from before migration 11, whose
   * rollups are all rows, is packed a budget a write. Returns the rows packed; throws when there
   * were none (the index and the table disagree), so that the series is passed over.
   */
  #packRollupHour(oldest: { series: number; minute: number }, bound: number): number {
    const hour = oldest.minute - (oldest.minute % HOUR);
    const rows = this.#rollups.pack(oldest.series, Math.min(bound, hour + HOUR));
    if (rows === 0) throw new Error(`no rollup row before ${hour + HOUR}, though the minute index has one`);
    return rows;
  }

  /**
   * Makes the series' minute chunks of the hours before `hour` one chunk per hour (joinContents:
   * their samples are not coded again), and its rollup rows of those hours rollup chunks
   * (RollupWriter.pack); returns the raw samples. Each minute chunk is decompressed once and its
   * content decoded to check it (storedContent), so that a damaged one is set aside, not joined.
   * The rollups went with the series' first minute of the next hour before: every series' in one
   * minute's writes, whose acknowledgements waited 1–5 s (BENCHMARKS.md figure 3, the hold across
   * 08:00).
   */
  #packHours(series: number, hour: number): number {
    let packed = 0;
    const chunks = this.#minuteChunksBefore.all(series, hour) as unknown as ChunkRow[];
    for (const [start, minutes] of byPeriod(chunks, (c) => c.start, HOUR)) {
      // Minute chunks in order of their starts: their samples in time order, one after the other.
      const contents: Uint8Array[] = [];
      let n = 0;
      for (const chunk of minutes) {
        const content = this.#aside.decoded({ tier: "raw", series, ...chunk }, () => storedContent(chunk));
        if (content !== null) {
          contents.push(content);
          n += chunk.n;
        }
        this.#deleteChunk.run(chunk.id);
      }
      if (n > 0) this.#insertChunk.run(series, start, HOUR, n, joinContents(contents));
      packed += n;
    }
    this.#rollups.pack(series, hour);
    return packed;
  }

  /** Stores samples of the minute from `start` (columns in time order, one per time) as its chunk. */
  #insertMinute(series: number, start: number, samples: ChunkColumns): void {
    this.#insertChunk.run(series, start, MINUTE, samples.n, encodeSamples(samples));
  }

  /** Rewrites a chunk with samples (columns in time order, one per time). */
  #rewrite(chunk: ChunkRow, samples: ChunkColumns): void {
    this.#updateChunk.run(samples.n, encodeSamples(samples), chunk.id);
  }
}

/**
 * Moves the head rows a file of schema 13 holds (`metric_head`, see migration 14) into staging, in
 * one transaction; the telemetry writer packs them at its next write. A no-op on an
 * empty head. Run at open, before the writer's thread starts.
 */
export function adoptHeadRows(db: DatabaseSync): void {
  const select = db.prepare(
    `SELECT s.host_id AS hostId, h.series, ${SAMPLE_COLUMNS} FROM metric_head h JOIN series s ON s.id = h.series`,
  );
  transaction(db, () => {
    const rows = select.all() as unknown as ({ hostId: string; series: number } & SeriesSample)[];
    if (rows.length === 0) return;
    const byHost = new Map<string, StagedSample[]>();
    for (const { hostId, series, ...sample } of rows) {
      const list = byHost.get(hostId);
      if (list) list.push({ series, sample });
      else byHost.set(hostId, [{ series, sample }]);
    }
    const packer = new SqliteMetricPacker(db);
    for (const [hostId, samples] of byHost) packer.stage(hostId, samples);
    db.exec("DELETE FROM metric_head");
  });
}
