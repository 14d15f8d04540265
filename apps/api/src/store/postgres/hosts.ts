import { type HostInfo, hostNameKey } from "@crowsnest/protocol";
import type pg from "pg";
import { HOST_COLUMNS, type HostRow, hostInsertError, newHostRecord, toHostRecord } from "../host-rows.ts";
import type { HostRecord, HostRepository, NewHostAccess } from "../store.ts";
import { CHUNKS_LOCK, sqlState, transaction } from "./database.ts";
import { grant, revokeAll } from "./host-access.ts";
import type { SeriesIds } from "./series.ts";

/** PostgreSQL's SQLSTATE for a unique violation. */
const UNIQUE_VIOLATION = "23505";

/**
 * What `delete` removes for a host, in order: the rows keyed by its series, then its series, then
 * the rows keyed by its id (credentials, tokens and rotations also go by cascade with the host row).
 * The append-only audit log is not in the list. A table added by a later migration that holds host
 * data must be added here.
 */
const HOST_DATA_DELETES = [
  "DELETE FROM metric_samples WHERE series IN (SELECT id FROM series WHERE host_id = $1)",
  "DELETE FROM metric_chunks WHERE series IN (SELECT id FROM series WHERE host_id = $1)",
  "DELETE FROM metric_rollups WHERE series IN (SELECT id FROM series WHERE host_id = $1)",
  "DELETE FROM metric_rollup_chunks WHERE series IN (SELECT id FROM series WHERE host_id = $1)",
  "DELETE FROM metric_chunks_damaged WHERE series IN (SELECT id FROM series WHERE host_id = $1)",
  "DELETE FROM log_lines WHERE series IN (SELECT id FROM series WHERE host_id = $1)",
  "DELETE FROM series WHERE host_id = $1",
  "DELETE FROM container_events WHERE host_id = $1",
  "DELETE FROM containers WHERE host_id = $1",
  "DELETE FROM ingested_batches WHERE host_id = $1",
  "DELETE FROM credential_rotations WHERE host_id = $1",
  "DELETE FROM enrolment_tokens WHERE host_id = $1",
  "DELETE FROM host_credentials WHERE host_id = $1",
];

type EnrolmentAccess = Extract<NewHostAccess, { kind: "enrolment" }>;

export class PgHostRepository implements HostRepository {
  readonly #pool: pg.Pool;
  readonly #series: SeriesIds;

  constructor(pool: pg.Pool, series: SeriesIds) {
    this.#pool = pool;
    this.#series = series;
  }

  async create(name: string, now: number, access: NewHostAccess): Promise<HostRecord> {
    const host = newHostRecord(name, now);
    await transaction(this.#pool, async (client) => {
      try {
        await client.query("INSERT INTO hosts (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)", [
          host.id,
          name,
          hostNameKey(name),
          now,
        ]);
      } catch (err) {
        throw hostInsertError(err, name, sqlState(err) === UNIQUE_VIOLATION);
      }
      await grant(client, host.id, access, now);
    });
    return host;
  }

  async revoke(hostId: string, now: number): Promise<number> {
    return transaction(this.#pool, async (client) => {
      await client.query("UPDATE hosts SET revoked_at = $1 WHERE id = $2 AND deleted_at IS NULL", [
        now,
        hostId,
      ]);
      return revokeAll(client, hostId, now);
    });
  }

  async reissue(hostId: string, access: EnrolmentAccess, now: number): Promise<boolean> {
    return transaction(this.#pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE hosts SET revoked_at = NULL
         WHERE id = $1 AND deleted_at IS NULL AND (last_seen IS NULL OR revoked_at IS NOT NULL)`,
        [hostId],
      );
      if (rowCount === 0) return false;
      await revokeAll(client, hostId, now);
      await grant(client, hostId, access, now);
      return true;
    });
  }

  async archive(hostId: string, now: number): Promise<boolean> {
    return transaction(this.#pool, async (client) => {
      const { rowCount } = await client.query(
        "UPDATE hosts SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
        [now, hostId],
      );
      if (rowCount === 0) return false;
      await revokeAll(client, hostId, now);
      return true;
    });
  }

  async delete(hostId: string): Promise<boolean> {
    const deleted = await transaction(this.#pool, async (client) => {
      // Not while a chunk of the host is being packed: its new hour chunk would outlive the series.
      await client.query("SELECT pg_advisory_xact_lock($1)", [CHUNKS_LOCK.toString()]);
      // Waits for the writes that hold the host (FOR KEY SHARE, telemetry-writer.ts) to commit, so
      // that their rows are deleted here, and the writes after find no host.
      await client.query("SELECT 1 FROM hosts WHERE id = $1 FOR UPDATE", [hostId]);
      for (const sql of HOST_DATA_DELETES) await client.query(sql, [hostId]);
      const { rowCount } = await client.query("DELETE FROM hosts WHERE id = $1", [hostId]);
      return (rowCount ?? 0) > 0;
    });
    this.#series.forgetHost(hostId);
    return deleted;
  }

  async get(hostId: string): Promise<HostRecord | null> {
    const { rows } = await this.#pool.query<HostRow>(`SELECT ${HOST_COLUMNS} FROM hosts WHERE id = $1`, [
      hostId,
    ]);
    return rows[0] ? toHostRecord(rows[0]) : null;
  }

  async list(): Promise<HostRecord[]> {
    const { rows } = await this.#pool.query<HostRow>(`SELECT ${HOST_COLUMNS} FROM hosts ORDER BY name, id`);
    return rows.map(toHostRecord);
  }

  async lastStoredSeq(hostId: string): Promise<number | null> {
    const { rows } = await this.#pool.query<{ seq: number | null }>(
      "SELECT max(seq) AS seq FROM ingested_batches WHERE host_id = $1",
      [hostId],
    );
    return rows[0]?.seq ?? null;
  }

  async recordConflict(hostId: string, refusedHost: HostInfo, at: number): Promise<void> {
    await this.#pool.query(
      `UPDATE hosts SET conflict_refused_at = $1, conflict_refusals = conflict_refusals + 1, conflict_host_info = $2
       WHERE id = $3`,
      [at, JSON.stringify(refusedHost), hostId],
    );
  }
}
