import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { AuditCategory, type AuditEntry, AuditResult, auditCategoryOf, Role } from "@crowsnest/protocol";
import type { AuditFilter, AuditPage, AuditRepository, NewAuditEntry } from "../audit-repository.ts";

/** Every column but `id`, in the order `append` binds them. */
const WRITTEN = [
  "time",
  "category",
  "user_id",
  "username",
  "role",
  "host_id",
  "container_id",
  "container_name",
  "target_id",
  "target",
  "action",
  "protected",
  "result",
  "reason",
  "detail",
  "client_address",
];
const COLUMNS = ["id", ...WRITTEN].join(", ");

/** Append and read only: the table's triggers refuse UPDATE and DELETE even if someone tried. */
export class SqliteAuditRepository implements AuditRepository {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO audit_log (${WRITTEN.join(", ")})
       VALUES (${WRITTEN.map(() => "?").join(", ")}) RETURNING id`,
    );
  }

  async append(e: NewAuditEntry): Promise<AuditEntry> {
    const category = auditCategoryOf(e.action);
    const row = this.#insert.get(
      e.time,
      category,
      e.userId,
      e.username,
      e.role,
      e.hostId,
      e.containerId,
      e.containerName,
      e.targetId,
      e.target,
      e.action,
      e.protected ? 1 : 0,
      e.result,
      e.reason,
      e.detail,
      e.clientAddress,
    ) as { id: number };
    return { id: String(row.id), category, ...e };
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
    add("category = ?", filter.category);
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
    category: AuditCategory.parse(r.category),
    userId: text(r.user_id),
    username: String(r.username),
    role: r.role === null ? null : Role.parse(r.role),
    hostId: text(r.host_id),
    containerId: text(r.container_id),
    containerName: text(r.container_name),
    targetId: text(r.target_id),
    target: text(r.target),
    action: String(r.action),
    protected: r.protected === 1,
    result: AuditResult.parse(r.result),
    reason: text(r.reason),
    detail: text(r.detail),
    clientAddress: String(r.client_address),
  };
}

function text(value: string | number | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}
