import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { type AuditEntry, AuditResult, Role } from "@crowsnest/protocol";
import type { AuditFilter, AuditPage, AuditRepository, NewAuditEntry } from "../audit-repository.ts";

const COLUMNS =
  "id, time, user_id, username, role, host_id, container_id, container_name, action, protected, result, reason, client_address";

/** Append and read only: the table's triggers refuse UPDATE and DELETE even if someone tried. */
export class SqliteAuditRepository implements AuditRepository {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO audit_log (time, user_id, username, role, host_id, container_id, container_name,
                              action, protected, result, reason, client_address)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
  }

  async append(e: NewAuditEntry): Promise<AuditEntry> {
    const row = this.#insert.get(
      e.time,
      e.userId,
      e.username,
      e.role,
      e.hostId,
      e.containerId,
      e.containerName,
      e.action,
      e.protected ? 1 : 0,
      e.result,
      e.reason,
      e.clientAddress,
    ) as { id: number };
    return { id: String(row.id), ...e };
  }

  async query(filter: AuditFilter, page: { before: string | null; limit: number }): Promise<AuditPage> {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    const add = (clause: string, value: SQLInputValue | undefined): void => {
      if (value === undefined) return;
      where.push(clause);
      // A clause may name its value more than once ("a = ? OR b = ?").
      for (let i = clause.split("?").length - 1; i > 0; i--) params.push(value);
    };
    add("(user_id = ? OR username = ?)", filter.user);
    add("host_id = ?", filter.hostId);
    add("(container_id = ? OR container_name = ?)", filter.container);
    add("action = ?", filter.action);
    add("result = ?", filter.result);
    add("time >= ?", filter.from);
    add("time <= ?", filter.to);
    add("id < ?", page.before === null ? undefined : Number(page.before));
    // Filters vary per request, so this statement is prepared per call; every value is a bound parameter.
    const sql = `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                 ORDER BY id DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...params, page.limit + 1) as Record<
      string,
      string | number | null
    >[];
    const entries = rows.slice(0, page.limit).map(toEntry);
    const last = entries.at(-1);
    return { entries, nextCursor: rows.length > page.limit && last ? last.id : null };
  }
}

function toEntry(r: Record<string, string | number | null>): AuditEntry {
  return {
    id: String(r.id),
    time: Number(r.time),
    userId: r.user_id === null ? null : String(r.user_id),
    username: String(r.username),
    role: Role.parse(r.role),
    hostId: String(r.host_id),
    containerId: String(r.container_id),
    containerName: r.container_name === null ? null : String(r.container_name),
    action: String(r.action),
    protected: r.protected === 1,
    result: AuditResult.parse(r.result),
    reason: r.reason === null ? null : String(r.reason),
    clientAddress: String(r.client_address),
  };
}
