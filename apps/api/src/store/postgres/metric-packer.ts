import type { MetricSample } from "@crowsnest/protocol";
import type pg from "pg";
import { decodedOrDamage } from "../chunk-codec.ts";
import {
  byPeriod,
  encodeChunk,
  HOUR,
  MINUTE,
  SAMPLE_COLUMNS,
  type SeriesSample,
  storedSamples,
} from "../metric-chunk.ts";
import { PgSetAside } from "./damaged-chunks.ts";
import { CHUNKS_LOCK, sqlState, transaction } from "./database.ts";
import {
  combineLatest,
  encodeLatestRollups,
  fromLatestRow,
  LATEST_ROLLUP_COLUMNS,
  type LatestRollup,
  storedLatestRollups,
} from "./latest-rollups.ts";
import type { Partitions } from "./partitions.ts";

/**
 * How long after a minute ends its rows are packed: an agent's sample arrives within seconds; one
 * later than this joins the packed minute's chunk on its own.
 */
export const PACK_DELAY_MS = 2 * MINUTE;

/** Replicas' clocks may differ by this much: a writer checks samples this much newer than packed ones too. */
const CLOCK_SKEW_MS = 30_000;

/** A chunk as it is written back: its samples, oldest first, one per time. */
interface ChunkWrite {
  series: number;
  start: number;
  span: number;
  samples: SeriesSample[];
}

interface StoredChunk {
  series: number;
  start: number;
  span: number;
  n: number;
  data: Buffer;
}

/**
 * Packs the PostgreSQL store's raw samples and rollups into chunks (migrations 4 and 5), as the
 * SQLite store's writer does as it writes (sqlite/metric-writer.ts), but apart from the writes: a
 * maintenance pass, run by one replica at a time (the retention lease, and CHUNKS_LOCK should a
 * second begin), so that ingest keeps its one INSERT per write and no two replicas rewrite one
 * chunk. Rows of a finished minute become the minute's chunk; a finished hour's minute chunks
 * become one chunk. A row whose minute is already packed (a late sample) joins the chunk that
 * covers it, unless that chunk holds its time already (a resend). The writer counts each sample in
 * its minute's rollup row as it inserts its row; a finished hour's rollup rows become one chunk,
 * and a late row joins it.
 */
export class PgMetricPacker {
  readonly #pool: pg.Pool;
  readonly #partitions: Partitions;

  constructor(pool: pg.Pool, partitions: Partitions) {
    this.#pool = pool;
    this.#partitions = partitions;
  }

  /**
   * Packs the rows of the minutes that ended PACK_DELAY_MS or more before `now` (epoch ms, the
   * server's time line), the minute chunks of the hours that ended by then (at most `limit`
   * samples of each) and the rollup rows of those hours (at most `limit`), in one transaction each,
   * taken by series and time so that a call packs whole minutes and hours but at its ends (the next
   * call merges the rest in). Returns what it moved, samples and rollup rows: `limit` or more while
   * any of the three found more than it took. Rejects with PostgreSQL's error.
   */
  async packBefore(now: number, limit: number): Promise<number> {
    const before = now - PACK_DELAY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        // A chunk lies in its samples' day: make the chunk days of every day with sample rows
        // first (outside the transaction, which must not wait for the parent table's lock).
        await this.#partitions.ensure("metric_chunks", await this.#partitions.list("metric_samples"));
        await this.#partitions.ensure("metric_rollup_chunks", await this.#partitions.list("metric_rollups"));
        const hour = before - (before % HOUR);
        const rows = await this.#packRows(before - (before % MINUTE), limit);
        return rows + (await this.#packHours(hour, limit)) + (await this.#packRollups(hour, limit));
      } catch (err) {
        // A chunk day this store made may since have been dropped by another replica's retention
        // and its samples' day made again (23514: no partition for the row): look again, once.
        if (attempt === 2 || sqlState(err) !== "23514") throw err;
        this.#partitions.forget();
      }
    }
  }

  /** At most `limit` rows before `bound` (a minute) into minute chunks or the chunks covering them; returns how many. */
  async #packRows(bound: number, limit: number): Promise<number> {
    const aside = new PgSetAside();
    const packed = await transaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [CHUNKS_LOCK.toString()]);
      const { rows } = await client.query<SeriesSample & { series: number }>(
        `WITH picked AS (
           SELECT series AS picked_series, t AS picked_t FROM metric_samples WHERE t < $1 ORDER BY series, t LIMIT $2)
         DELETE FROM metric_samples s USING picked p WHERE s.series = p.picked_series AND s.t = p.picked_t
         RETURNING s.series, ${SAMPLE_COLUMNS}`,
        [bound, limit],
      );
      if (rows.length === 0) return 0;
      const bySeries = byPeriod(rows, (r) => r.series, 1);
      // A minute may be packed already, alone or in its hour: read both chunks that could cover it.
      const keys: [number, number][] = [];
      for (const [series, list] of bySeries) {
        for (const minute of byPeriod(list, (r) => r.t, MINUTE).keys()) {
          keys.push([series, minute], [series, minute - (minute % HOUR)]);
        }
      }
      const stored = await storedChunks(client, keys);
      const writes = new Map<string, ChunkWrite>();
      for (const [series, list] of bySeries) {
        for (const [minute, group] of byPeriod(list, (r) => r.t, MINUTE)) {
          const covering =
            stored.get(key(series, minute)) ??
            [stored.get(key(series, minute - (minute % HOUR)))].find((c) => c?.span === HOUR);
          const start = covering?.start ?? minute;
          let write = writes.get(key(series, start));
          if (write === undefined) {
            write = {
              series,
              start,
              span: covering?.span ?? MINUTE,
              samples:
                covering === undefined
                  ? []
                  : (aside.decoded({ tier: "raw", ...covering }, () => storedSamples(covering)) ?? []),
            };
            writes.set(key(series, start), write);
          }
          write.samples.push(...group.map(withoutSeries));
        }
      }
      await aside.store(client);
      await upsertChunks(client, [...writes.values()]);
      return rows.length;
    });
    aside.warn();
    return packed;
  }

  /**
   * The first minute chunks (by series and time) of hours before `bound` (an hour), until they
   * hold `limit` samples or more, into their hours' chunks; returns their samples (`limit` or more
   * unless none are left).
   */
  async #packHours(bound: number, limit: number): Promise<number> {
    const aside = new PgSetAside();
    const packed = await transaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [CHUNKS_LOCK.toString()]);
      // Each chunk holds a sample at least: `limit` chunks hold `limit` samples or more.
      const { rows: first } = await client.query<{ series: number; start: number; n: number }>(
        `SELECT series, start, n FROM metric_chunks WHERE span = ${MINUTE} AND start < $1
         ORDER BY series, start LIMIT $2`,
        [bound, limit],
      );
      let samples = 0;
      const taken = first.filter((c) => {
        const take = samples < limit;
        samples += c.n;
        return take;
      });
      if (taken.length === 0) return 0;
      const { rows } = await client.query<StoredChunk>(
        `DELETE FROM metric_chunks WHERE (series, start) IN (SELECT * FROM unnest($1::integer[], $2::bigint[]))
         RETURNING series, start, span, n, data`,
        [taken.map((c) => c.series), taken.map((c) => c.start)],
      );
      const byHour: [number, number, StoredChunk[]][] = [];
      for (const [series, list] of byPeriod(rows, (c) => c.series, 1)) {
        for (const [hour, minutes] of byPeriod(list, (c) => c.start, HOUR))
          byHour.push([series, hour, minutes]);
      }
      // An hour whose first minutes an earlier call packed takes the rest in.
      const stored = await storedChunks(
        client,
        byHour.map(([series, hour]) => [series, hour]),
      );
      const writes = byHour.map(([series, hour, minutes]) => ({
        series,
        start: hour,
        span: HOUR,
        samples: [stored.get(key(series, hour)), ...minutes].flatMap((chunk) =>
          chunk === undefined
            ? []
            : (aside.decoded({ tier: "raw", ...chunk }, () => storedSamples(chunk)) ?? []),
        ),
      }));
      await aside.store(client);
      await upsertChunks(client, writes);
      return rows.reduce((sum, chunk) => sum + chunk.n, 0);
    });
    aside.warn();
    return packed;
  }

  /** At most `limit` rollup rows of hours before `bound` (an hour) into their hours' chunks (migration 5); returns how many. */
  async #packRollups(bound: number, limit: number): Promise<number> {
    const aside = new PgSetAside();
    const packed = await transaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [CHUNKS_LOCK.toString()]);
      const { rows } = await client.query<LatestRollup & { series: number }>(
        `WITH picked AS (
           SELECT series AS picked_series, minute AS picked_minute FROM metric_rollups WHERE minute < $1
           ORDER BY series, minute LIMIT $2)
         DELETE FROM metric_rollups r USING picked p WHERE r.series = p.picked_series AND r.minute = p.picked_minute
         RETURNING r.series, ${LATEST_ROLLUP_COLUMNS}`,
        [bound, limit],
      );
      if (rows.length === 0) return 0;
      const byHour: [number, number, LatestRollup[]][] = [];
      for (const [series, list] of byPeriod(rows, (r) => r.series, 1)) {
        for (const [hour, minutes] of byPeriod(list, (r) => r.minute, HOUR)) {
          byHour.push([series, hour, minutes.map(({ series: _, ...row }) => fromLatestRow(row))]);
        }
      }
      const { rows: stored } = await client.query<{ series: number; hour: number; n: number; data: Buffer }>(
        `SELECT series, hour, n, data FROM metric_rollup_chunks
         WHERE (series, hour) IN (SELECT * FROM unnest($1::integer[], $2::bigint[])) FOR UPDATE`,
        [byHour.map(([series]) => series), byHour.map(([, hour]) => hour)],
      );
      const storedChunks = new Map(stored.map((c) => [key(c.series, c.hour), c]));
      const chunks = byHour.map(([series, hour, minutes]) => {
        const chunk = storedChunks.get(key(series, hour));
        const kept =
          chunk === undefined
            ? []
            : (aside.decoded({ tier: "1m", series, start: hour, span: HOUR, data: chunk.data }, () =>
                storedLatestRollups(chunk),
              ) ?? []);
        return combineLatest([...kept, ...minutes]);
      });
      await aside.store(client);
      await client.query(
        `INSERT INTO metric_rollup_chunks (series, hour, n, data)
         SELECT * FROM unnest($1::integer[], $2::bigint[], $3::integer[], $4::bytea[])
         ON CONFLICT (series, hour) DO UPDATE SET n = excluded.n, data = excluded.data`,
        [
          byHour.map(([series]) => series),
          byHour.map(([, hour]) => hour),
          chunks.map((c) => c.length),
          chunks.map((c) => Buffer.from(encodeLatestRollups(c))),
        ],
      );
      return rows.length;
    });
    aside.warn();
    return packed;
  }
}

function key(series: number, start: number): string {
  return `${series}/${start}`;
}

function withoutSeries({ series: _, ...sample }: SeriesSample & { series: number }): SeriesSample {
  return sample;
}

/** The chunks at (series, start) `keys` that exist, locked for this transaction, by key(). */
async function storedChunks(
  client: pg.PoolClient,
  keys: [number, number][],
): Promise<Map<string, StoredChunk>> {
  const { rows } = await client.query<StoredChunk>(
    `SELECT series, start, span, n, data FROM metric_chunks
     WHERE (series, start) IN (SELECT * FROM unnest($1::integer[], $2::bigint[])) FOR UPDATE`,
    [keys.map(([series]) => series), keys.map(([, start]) => start)],
  );
  return new Map(rows.map((row) => [key(row.series, row.start), row]));
}

/**
 * Writes the chunks (new, or in place of the stored one at the same start), each sorted by time
 * with one sample per time: of two with the same time the first in `samples`, the stored one. A
 * chunk left without samples (every chunk it was made of was damaged and set aside) is deleted.
 */
async function upsertChunks(client: pg.PoolClient, all: readonly ChunkWrite[]): Promise<void> {
  const empty = all.filter((w) => w.samples.length === 0);
  if (empty.length > 0)
    await client.query(
      "DELETE FROM metric_chunks WHERE (series, start) IN (SELECT * FROM unnest($1::integer[], $2::bigint[]))",
      [empty.map((w) => w.series), empty.map((w) => w.start)],
    );
  const writes = all.filter((w) => w.samples.length > 0);
  if (writes.length === 0) return;
  const data = writes.map((w) => {
    const seen = new Set<number>();
    const samples = w.samples.filter((s) => !seen.has(s.t) && seen.add(s.t));
    samples.sort((a, b) => a.t - b.t);
    return { n: samples.length, data: Buffer.from(encodeChunk(samples)) };
  });
  await client.query(
    `INSERT INTO metric_chunks (series, start, span, n, data)
     SELECT * FROM unnest($1::integer[], $2::bigint[], $3::integer[], $4::integer[], $5::bytea[])
     ON CONFLICT (series, start) DO UPDATE SET span = excluded.span, n = excluded.n, data = excluded.data`,
    [
      writes.map((w) => w.series),
      writes.map((w) => w.start),
      writes.map((w) => w.span),
      data.map((d) => d.n),
      data.map((d) => d.data),
    ],
  );
}

/**
 * The samples not in a chunk already, for a writer about to insert them as rows: a sample older
 * than the newest minute the packer may have packed (by this replica's clock, less CLOCK_SKEW_MS)
 * is looked up in the chunks that could cover it, and left out when one holds its time (a resend),
 * so that it is neither stored nor counted in its rollup twice. Newer samples, nearly all, pass
 * unread. A pack committed between this read and the insert can still see the resend stored once
 * more as a row (it then merges into the chunk, which keeps its own; the rollup counts it twice).
 */
export async function withoutPacked<T extends { sample: MetricSample }>(
  client: pg.PoolClient,
  samples: readonly T[],
  seriesId: (item: T) => number,
  now: number,
): Promise<readonly T[]> {
  const horizon = now - PACK_DELAY_MS + CLOCK_SKEW_MS;
  const old = samples.filter((item) => item.sample.t < horizon);
  if (old.length === 0) return samples;
  const keys = new Map<string, [number, number]>();
  for (const item of old) {
    const minute = item.sample.t - (item.sample.t % MINUTE);
    const series = seriesId(item);
    keys.set(key(series, minute), [series, minute]);
    keys.set(key(series, minute - (minute % HOUR)), [series, minute - (minute % HOUR)]);
  }
  const { rows } = await client.query<StoredChunk>(
    `SELECT series, start, span, n, data FROM metric_chunks
     WHERE (series, start) IN (SELECT * FROM unnest($1::integer[], $2::bigint[]))`,
    [[...keys.values()].map(([series]) => series), [...keys.values()].map(([, start]) => start)],
  );
  if (rows.length === 0) return samples;
  const packed = new Set<string>();
  for (const chunk of rows) {
    // A damaged chunk holds nothing here: the packer sets it aside.
    const samples = decodedOrDamage(storedSamples, chunk);
    if (samples instanceof Error) continue;
    for (const sample of samples) packed.add(key(chunk.series, sample.t));
  }
  return samples.filter((item) => !packed.has(key(seriesId(item), item.sample.t)));
}
