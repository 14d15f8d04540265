import type { DatabaseSync } from "node:sqlite";
import { type HostInfo, hostNameKey } from "@crowsnest/protocol";
import { HOST_COLUMNS, type HostRow, hostInsertError, newHostRecord, toHostRecord } from "../host-rows.ts";
import type { HostRecord, HostRepository, NewHostAccess } from "../store.ts";
import { transaction } from "./database.ts";
import type { HostAccessStatements } from "./host-access.ts";
import { lineIdsWhere } from "./log-keys.ts";
import type { SeriesIds } from "./series.ts";

type EnrolmentAccess = Extract<NewHostAccess, { kind: "enrolment" }>;

export class SqliteHostRepository implements HostRepository {
  readonly #db: DatabaseSync;
  readonly #access: HostAccessStatements;
  readonly #series: SeriesIds;
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #lastSeq;
  readonly #conflict;
  readonly #markRevoked;
  readonly #unrevokeIfUnconnected;
  readonly #markDeleted;
  readonly #deleteHost;
  readonly #deleteData;

  /** `series`: the main connection's ids, whose cache forgets a deleted host's. */
  constructor(db: DatabaseSync, access: HostAccessStatements, series: SeriesIds) {
    this.#db = db;
    this.#access = access;
    this.#series = series;
    this.#insert = db.prepare("INSERT INTO hosts (id, name, name_key, created_at) VALUES (?, ?, ?, ?)");
    this.#markRevoked = db.prepare("UPDATE hosts SET revoked_at = ? WHERE id = ? AND deleted_at IS NULL");
    this.#unrevokeIfUnconnected = db.prepare(
      `UPDATE hosts SET revoked_at = NULL
       WHERE id = ? AND deleted_at IS NULL AND (last_seen IS NULL OR revoked_at IS NOT NULL)`,
    );
    this.#markDeleted = db.prepare("UPDATE hosts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL");
    this.#deleteHost = db.prepare("DELETE FROM hosts WHERE id = ?");
    this.#deleteData = hostDataDeletes(db).map((sql) => db.prepare(sql));
    this.#get = db.prepare(`SELECT ${HOST_COLUMNS} FROM hosts WHERE id = ?`);
    this.#list = db.prepare(`SELECT ${HOST_COLUMNS} FROM hosts ORDER BY name, id`);
    // One seek per run of the host's agent (migration 25): max() over a join would read every batch.
    this.#lastSeq = db.prepare(`
      SELECT max((SELECT max(seq) FROM ingested_batches WHERE incarnation = i.id)) AS seq
      FROM agent_incarnations i WHERE i.host_id = ?`);
    this.#conflict = db.prepare(
      "UPDATE hosts SET conflict_refused_at = ?, conflict_refusals = conflict_refusals + 1, conflict_host_info = ? WHERE id = ?",
    );
  }

  async create(name: string, now: number, access: NewHostAccess): Promise<HostRecord> {
    const host = newHostRecord(name, now);
    transaction(this.#db, () => {
      try {
        this.#insert.run(host.id, name, hostNameKey(name), now);
      } catch (err) {
        throw hostInsertError(err, name, (err as { errcode?: number }).errcode === SQLITE_CONSTRAINT_UNIQUE);
      }
      this.#access.grant(host.id, access, now);
    });
    return host;
  }

  async revoke(hostId: string, now: number): Promise<number> {
    return transaction(this.#db, () => {
      this.#markRevoked.run(now, hostId);
      return this.#access.revokeAll(hostId, now);
    });
  }

  async reissue(hostId: string, access: EnrolmentAccess, now: number): Promise<boolean> {
    return transaction(this.#db, () => {
      if (this.#unrevokeIfUnconnected.run(hostId).changes === 0) return false;
      this.#access.revokeAll(hostId, now);
      this.#access.grant(hostId, access, now);
      return true;
    });
  }

  async archive(hostId: string, now: number): Promise<boolean> {
    return transaction(this.#db, () => {
      if (this.#markDeleted.run(now, hostId).changes === 0) return false;
      this.#access.revokeAll(hostId, now);
      return true;
    });
  }

  async delete(hostId: string): Promise<boolean> {
    const deleted = transaction(this.#db, () => {
      for (const statement of this.#deleteData) statement.run(hostId);
      return this.#deleteHost.run(hostId).changes > 0;
    });
    this.#series.forgetHost(hostId);
    return deleted;
  }

  async get(hostId: string): Promise<HostRecord | null> {
    const row = this.#get.get(hostId) as HostRow | undefined;
    return row ? toHostRecord(row) : null;
  }

  async list(): Promise<HostRecord[]> {
    return (this.#list.all() as unknown as HostRow[]).map(toHostRecord);
  }

  async lastStoredSeq(hostId: string): Promise<number | null> {
    return (this.#lastSeq.get(hostId) as { seq: number | null }).seq;
  }

  async recordConflict(hostId: string, refusedHost: HostInfo, at: number): Promise<void> {
    this.#conflict.run(at, JSON.stringify(refusedHost), hostId);
  }
}

/** SQLite's extended result code for a UNIQUE constraint failure. */
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/**
 * The statements that delete everything stored for a host (`delete`), whatever tables the
 * migrations have made: first the host's log lines, then the rows of every table with a `series` column, a `series` row
 * naming the host; then those of every table with a `host_id` column, `series` included (the batch
 * ledger goes with `agent_incarnations`, ON DELETE CASCADE: foreign keys are on for every
 * connection, configure). The host row itself and the append-only audit log are left out. Each
 * statement takes the host id.
 */
function hostDataDeletes(db: DatabaseSync): string[] {
  const rows = db
    .prepare(
      `SELECT m.name AS tbl, c.name AS col FROM sqlite_schema AS m JOIN pragma_table_info(m.name) AS c
       WHERE m.type = 'table' AND c.name IN ('series', 'host_id') AND m.name NOT IN ('hosts', 'audit_log')
       ORDER BY m.name`,
    )
    .all() as { tbl: string; col: string }[];
  // Log lines first, found by their keys (no index of `log_lines` by series), whose tables the
  // delete trigger empties of them.
  const lines = `DELETE FROM log_lines WHERE id IN (${lineIdsWhere("series IN (SELECT id FROM series WHERE host_id = ?1)")})`;
  const bySeries = rows
    .filter((row) => row.col === "series" && row.tbl !== "log_lines")
    .map((row) => `DELETE FROM "${row.tbl}" WHERE series IN (SELECT id FROM series WHERE host_id = ?)`);
  const byHost = rows
    .filter((row) => row.col === "host_id")
    .map((row) => `DELETE FROM "${row.tbl}" WHERE host_id = ?`);
  return [lines, ...bySeries, ...byHost];
}
