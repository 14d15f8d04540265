import type pg from "pg";
import { SCHEMA_LOCK, transaction } from "./database.ts";

/** A day in ms. Partitions are days of UTC. */
export const DAY_MS = 86_400_000;

/** Days after today whose partitions are made ahead (at start and by each retention pass). */
export const DAYS_AHEAD = 2;

/** The time-partitioned tables, with the unit of their partition key per ms (logs are in ns). */
export const PARTITIONED = {
  metric_samples: 1n,
  metric_chunks: 1n,
  metric_rollups: 1n,
  metric_rollup_chunks: 1n,
  log_lines: 1_000_000n,
} as const;
export type PartitionedTable = keyof typeof PARTITIONED;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The day (days since 1970-01-01 UTC, negative before) of a time in the table's unit. */
export function dayOf(table: PartitionedTable, time: bigint | number): number {
  const perDay = BigInt(DAY_MS) * PARTITIONED[table];
  const t = BigInt(time);
  // Floor division, also for times before 1970.
  return Number(t >= 0n ? t / perDay : -((-t + perDay - 1n) / perDay));
}

/** A day's partition: `<table>_d<day>`, `_dm<n>` for the day n before 1970-01-01. */
export function partitionName(table: PartitionedTable, day: number): string {
  return `${table}_d${day < 0 ? `m${-day}` : day}`;
}

/** The day a partition's name stands for, or null when the name is not one of `table`'s days. */
export function partitionDay(table: PartitionedTable, name: string): number | null {
  const match = new RegExp(`^${table}_d(m?)(\\d+)$`).exec(name);
  if (!match?.[2]) return null;
  return match[1] ? -Number(match[2]) : Number(match[2]);
}

/** A partition bound in the table's unit; MINVALUE/MAXVALUE past a 64-bit integer's range. */
function bound(table: PartitionedTable, day: number): string {
  const value = BigInt(day) * BigInt(DAY_MS) * PARTITIONED[table];
  if (value <= INT64_MIN) return "MINVALUE";
  if (value > INT64_MAX) return "MAXVALUE";
  return value.toString();
}

/**
 * The day partitions of the telemetry tables. There is no DEFAULT partition, so a row can only be
 * stored once its day exists: `ensure` makes the days a write needs before its transaction (and
 * the store makes today and the next days ahead at start and in each maintenance pass), so that
 * the ingest transaction never takes the parent table's lock to create one. Creation runs under
 * SCHEMA_LOCK so that replicas creating the same day at once do not collide.
 */
export class Partitions {
  readonly #pool: pg.Pool;
  /** Per table, the days known to exist (a day dropped by another replica is found out at insert). */
  readonly #known = new Map<PartitionedTable, Set<number>>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Makes the days of `table` not known to exist yet. */
  async ensure(table: PartitionedTable, days: Iterable<number>): Promise<void> {
    const known = this.#knownDays(table);
    const missing = [...new Set(days)].filter((day) => !known.has(day));
    if (missing.length === 0) return;
    await transaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK.toString()]);
      for (const day of missing) {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${partitionName(table, day)} PARTITION OF ${table}
           FOR VALUES FROM (${bound(table, day)}) TO (${bound(table, day + 1)})`,
        );
      }
    });
    for (const day of missing) known.add(day);
  }

  /** Makes today's partitions of every table and those of the `ahead` days after it; `now` in epoch ms. */
  async prepare(now: number, ahead: number): Promise<void> {
    const today = Math.floor(now / DAY_MS);
    const days = Array.from({ length: ahead + 1 }, (_, i) => today + i);
    for (const table of Object.keys(PARTITIONED) as PartitionedTable[]) await this.ensure(table, days);
  }

  /** The days of `table` that exist now, oldest first (read from the catalog). */
  async list(table: PartitionedTable): Promise<number[]> {
    const { rows } = await this.#pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = $1::regclass`,
      [table],
    );
    const days = rows.flatMap((row) => {
      const day = partitionDay(table, row.name);
      return day === null ? [] : [day];
    });
    return days.sort((a, b) => a - b);
  }

  /** Forgets what it knew: after a write found a day missing (dropped by retention elsewhere). */
  forget(): void {
    this.#known.clear();
  }

  /** Marks a day gone (its partition dropped by this store's retention). */
  dropped(table: PartitionedTable, day: number): void {
    this.#knownDays(table).delete(day);
  }

  #knownDays(table: PartitionedTable): Set<number> {
    let known = this.#known.get(table);
    if (!known) {
      known = new Set();
      this.#known.set(table, known);
    }
    return known;
  }
}
