import type pg from "pg";
import { tsToNs } from "../log-time.ts";
import { HOUR } from "../metric-chunk.ts";
import type { RetentionRepository } from "../store.ts";
import { transaction } from "./database.ts";
import { PgMetricPacker } from "./metric-packer.ts";
import { DAYS_AHEAD, dayOf, type PartitionedTable, type Partitions, partitionName } from "./partitions.ts";

/** The tables of metric rows, each keyed by (series, its time column), with that column (epoch ms). */
const METRIC_TIME = { metric_samples: "t", metric_rollups: "minute" } as const;

/** How long dropping a day partition waits for its parent table's lock, ms. */
const DROP_LOCK_TIMEOUT_MS = 2_000;

/**
 * Retention on the time-partitioned tables drops every day partition wholly before the bound (a
 * DROP is instant and leaves no dead rows to vacuum), then deletes at most `limit` rows of the day
 * the bound falls in. A dropped day counts all its rows, so one call may report more than `limit`
 * (Retention's drain then calls again, which finds the next rows). The other tables delete at most
 * `limit` rows per call.
 */
export class PgRetentionRepository implements RetentionRepository {
  readonly #pool: pg.Pool;
  readonly #partitions: Partitions;
  readonly #packer: PgMetricPacker;

  constructor(pool: pg.Pool, partitions: Partitions) {
    this.#pool = pool;
    this.#partitions = partitions;
    this.#packer = new PgMetricPacker(pool, partitions);
  }

  /**
   * Sample rows first, then chunks whose whole span is before `t`: `limit` counts stored rows of
   * either kind (a chunk is one row, of up to an hour's samples); returns samples, as the contract
   * says. Damaged chunks set aside (migration 6) go likewise, uncounted.
   */
  async deleteRawMetricsBefore(t: number, limit: number): Promise<number> {
    await this.#deleteDamagedBefore("raw", t);
    const rows = await this.#deleteMetricRowsBefore("metric_samples", t, limit);
    if (rows >= limit) return rows;
    return rows + (await this.#deleteChunksBefore("metric_chunks", "start", "span", t, limit - rows));
  }

  async packRawMetrics(now: number, limit: number): Promise<number> {
    return this.#packer.packBefore(now, limit);
  }

  /** Rollup rows first, then hour chunks wholly before `t`, as deleteRawMetricsBefore; returns minutes. */
  async deleteRollupsBefore(t: number, limit: number): Promise<number> {
    await this.#deleteDamagedBefore("1m", t);
    const rows = await this.#deleteMetricRowsBefore("metric_rollups", t, limit);
    if (rows >= limit) return rows;
    return (
      rows + (await this.#deleteChunksBefore("metric_rollup_chunks", "hour", String(HOUR), t, limit - rows))
    );
  }

  /** Deletes the damaged chunks of `tier` set aside whose span ends at or before `t`; a few rows. */
  async #deleteDamagedBefore(tier: "raw" | "1m", t: number): Promise<void> {
    await this.#pool.query("DELETE FROM metric_chunks_damaged WHERE tier = $1 AND start + span <= $2", [
      tier,
      t,
    ]);
  }

  /**
   * Deletes the chunks of `table` whose span (`start` to `start` + `span`, column names or SQL
   * numbers) ends at or before `t`: the days wholly before it, then at most `limit` chunks;
   * returns what they held (their `n`).
   */
  async #deleteChunksBefore(
    table: "metric_chunks" | "metric_rollup_chunks",
    start: string,
    span: string,
    t: number,
    limit: number,
  ): Promise<number> {
    const dropped = await this.#dropDaysBefore(table, t);
    if (dropped >= limit) return dropped;
    const { rows: deleted } = await this.#pool.query<{ n: number }>(
      `DELETE FROM ${table} WHERE (series, ${start}) IN (
         SELECT series, ${start} FROM ${table} WHERE ${start} + ${span} <= $1 LIMIT $2)
       RETURNING n`,
      [t, limit - dropped],
    );
    return dropped + deleted.reduce((sum, chunk) => sum + chunk.n, 0);
  }

  async deleteLogsBefore(ts: string, limit: number): Promise<number> {
    const bound = tsToNs(ts);
    const dropped = await this.#dropDaysBefore("log_lines", bound);
    if (dropped >= limit) return dropped;
    return (
      dropped +
      (await deleteLines(
        this.#pool,
        `DELETE FROM log_lines WHERE ts < $1 AND id IN (SELECT id FROM log_lines WHERE ts < $1 LIMIT $2)
         RETURNING series, octet_length(text) AS bytes`,
        [bound.toString(), limit - dropped],
      ))
    );
  }

  async hostsOverLogCap(capBytes: number): Promise<{ hostId: string; excessBytes: number }[]> {
    const { rows } = await this.#pool.query<{ id: string; excess: number }>(
      "SELECT id, log_bytes - $1 AS excess FROM hosts WHERE log_bytes > $1 ORDER BY id",
      [capBytes],
    );
    return rows.map((row) => ({ hostId: row.id, excessBytes: row.excess }));
  }

  async deleteOldestLogs(hostId: string, bytes: number, limit: number): Promise<number> {
    // Oldest received first: ids grow with arrival. The window stops once it covers the bytes asked for.
    return deleteLines(
      this.#pool,
      `DELETE FROM log_lines WHERE id IN (
         SELECT id FROM (
           SELECT id, sum(len) OVER (ORDER BY id) - len AS freed_before
           FROM (SELECT id, octet_length(text) AS len FROM log_lines
                 WHERE series IN (SELECT id FROM series WHERE host_id = $1) ORDER BY id LIMIT $2) AS oldest
         ) AS running WHERE freed_before < $3)
       RETURNING series, octet_length(text) AS bytes`,
      [hostId, limit, bytes],
    );
  }

  async deleteBatchLedgerBefore(t: number, limit: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      `DELETE FROM ingested_batches WHERE ctid = ANY (ARRAY(
         SELECT ctid FROM ingested_batches WHERE stored_at < $1 LIMIT $2))`,
      [t, limit],
    );
    return rowCount ?? 0;
  }

  async deleteContainerHistoryBefore(t: number, limit: number): Promise<number> {
    const events = await this.#pool.query(
      "DELETE FROM container_events WHERE id IN (SELECT id FROM container_events WHERE time < $1 LIMIT $2)",
      [t, limit],
    );
    const deleted = events.rowCount ?? 0;
    if (deleted === limit) return deleted;
    const tombstones = await this.#pool.query(
      `DELETE FROM containers WHERE (host_id, id) IN (
         SELECT host_id, id FROM containers WHERE removed_at < $1 LIMIT $2)`,
      [t, limit - deleted],
    );
    return deleted + (tombstones.rowCount ?? 0);
  }

  /**
   * Retention of a table of metric rows: drops its days wholly before `t` (epoch ms), then deletes
   * at most the rest of `limit` rows older than `t`.
   */
  async #deleteMetricRowsBefore(table: keyof typeof METRIC_TIME, t: number, limit: number): Promise<number> {
    const time = METRIC_TIME[table];
    const dropped = await this.#dropDaysBefore(table, t);
    if (dropped >= limit) return dropped;
    const { rowCount } = await this.#pool.query(
      `DELETE FROM ${table} WHERE ${time} < $1 AND (series, ${time}) IN (
         SELECT series, ${time} FROM ${table} WHERE ${time} < $1 LIMIT $2)`,
      [t, limit - dropped],
    );
    return dropped + (rowCount ?? 0);
  }

  /**
   * Drops the table's day partitions that end at or before `bound` (in the table's unit); returns
   * the rows they held. A log day's bytes are taken off its hosts' totals in the same transaction.
   */
  async #dropDaysBefore(table: PartitionedTable, bound: bigint | number): Promise<number> {
    // Each pass also makes the days ahead, so that ingest rarely has to make one itself.
    await this.#partitions.prepare(Date.now(), DAYS_AHEAD);
    const lastWhole = dayOf(table, bound) - 1;
    let rows = 0;
    for (const day of await this.#partitions.list(table)) {
      if (day > lastWhole) break;
      const name = partitionName(table, day);
      rows += await transaction(this.#pool, async (client) => {
        // Dropping a partition locks its parent table: queued behind a long read, it would hold up
        // every insert queued behind it. Give up instead (the sweep fails; the next one tries again).
        await client.query(`SET LOCAL lock_timeout = '${DROP_LOCK_TIMEOUT_MS}ms'`);
        let count: number;
        if (table === "log_lines") {
          const { rows: hosts } = await client.query<{ host_id: string; bytes: number; n: number }>(
            `SELECT s.host_id, sum(octet_length(l.text))::bigint AS bytes, count(*) AS n
             FROM ${name} l JOIN series s ON s.id = l.series GROUP BY s.host_id`,
          );
          await subtractLogBytes(client, hosts);
          count = hosts.reduce((sum, h) => sum + h.n, 0);
        } else {
          // A chunk counts its samples.
          const counting =
            table === "metric_chunks" || table === "metric_rollup_chunks"
              ? "coalesce(sum(n), 0)::bigint"
              : "count(*)";
          const { rows: counted } = await client.query<{ n: number }>(`SELECT ${counting} AS n FROM ${name}`);
          count = counted[0]?.n ?? 0;
        }
        await client.query(`DROP TABLE ${name}`);
        return count;
      });
      this.#partitions.dropped(table, day);
    }
    return rows;
  }
}

/** Runs a DELETE of log lines that returns (series, bytes), and takes the bytes off their hosts' totals; returns lines deleted. */
async function deleteLines(pool: pg.Pool, sql: string, params: unknown[]): Promise<number> {
  return transaction(pool, async (client) => {
    const { rows } = await client.query<{ series: number; bytes: number }>(sql, params);
    if (rows.length === 0) return 0;
    const { rows: hosts } = await client.query<{ host_id: string; bytes: number }>(
      `SELECT s.host_id, sum(d.bytes)::bigint AS bytes
       FROM unnest($1::integer[], $2::bigint[]) AS d(series, bytes) JOIN series s ON s.id = d.series
       GROUP BY s.host_id`,
      [rows.map((r) => r.series), rows.map((r) => r.bytes)],
    );
    await subtractLogBytes(client, hosts);
    return rows.length;
  });
}

async function subtractLogBytes(
  client: pg.PoolClient,
  hosts: readonly { host_id: string; bytes: number }[],
): Promise<void> {
  if (hosts.length === 0) return;
  await client.query(
    `UPDATE hosts h SET log_bytes = h.log_bytes - d.bytes
     FROM unnest($1::text[], $2::bigint[]) AS d(id, bytes) WHERE h.id = d.id`,
    [hosts.map((h) => h.host_id), hosts.map((h) => h.bytes)],
  );
}
