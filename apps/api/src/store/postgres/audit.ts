import { AuditCategory, type AuditEntry, AuditResult, auditCategoryOf, Role } from "@crowsnest/protocol";
import type pg from "pg";
import type { AuditFilter, AuditPage, AuditRepository, NewAuditEntry } from "../audit-repository.ts";
import { pgText, pgTextOrNull } from "./database.ts";

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

interface AuditRow {
  id: number;
  time: number;
  category: string;
  user_id: string | null;
  username: string;
  role: string | null;
  host_id: string | null;
  container_id: string | null;
  container_name: string | null;
  target_id: string | null;
  target: string | null;
  action: string;
  protected: boolean;
  result: string;
  reason: string | null;
  detail: string | null;
  client_address: string;
}

/** Append and read only: the table's triggers refuse UPDATE, DELETE and TRUNCATE even if someone tried. */
export class PgAuditRepository implements AuditRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async append(e: NewAuditEntry): Promise<AuditEntry> {
    const category = auditCategoryOf(e.action);
    const { rows } = await this.#pool.query<{ id: number }>(
      `INSERT INTO audit_log (${WRITTEN.join(", ")})
       VALUES (${WRITTEN.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`,
      [
        e.time,
        category,
        pgTextOrNull(e.userId),
        pgText(e.username),
        e.role,
        pgTextOrNull(e.hostId),
        pgTextOrNull(e.containerId),
        pgTextOrNull(e.containerName),
        pgTextOrNull(e.targetId),
        pgTextOrNull(e.target),
        e.action,
        e.protected,
        e.result,
        pgTextOrNull(e.reason),
        pgTextOrNull(e.detail),
        pgText(e.clientAddress),
      ],
    );
    return { id: String(rows[0]?.id), category, ...e };
  }

  async query(filter: AuditFilter, page: { before: string | null; limit: number }): Promise<AuditPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: (p: string) => string, value: unknown): void => {
      if (value === undefined) return;
      params.push(value);
      where.push(clause(`$${params.length}`));
    };
    add(
      (p) => `(user_id = ${p} OR username = ${p})`,
      filter.user === undefined ? undefined : pgText(filter.user),
    );
    add((p) => `host_id = ${p}`, filter.hostId);
    add(
      (p) => `(container_id = ${p} OR container_name = ${p})`,
      filter.container === undefined ? undefined : pgText(filter.container),
    );
    add((p) => `category = ${p}`, filter.category);
    add((p) => `action = ${p}`, filter.action);
    add((p) => `result = ${p}`, filter.result);
    add((p) => `time >= ${p}`, filter.from);
    add((p) => `time <= ${p}`, filter.to);
    add((p) => `id < ${p}`, page.before === null ? undefined : Number(page.before));
    params.push(page.limit + 1);
    // Filters vary per request, so the text varies; every value is a bound parameter.
    const { rows } = await this.#pool.query<AuditRow>(
      `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    const entries = rows.slice(0, page.limit).map(toEntry);
    const last = entries.at(-1);
    return { entries, nextCursor: rows.length > page.limit && last ? last.id : null };
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: String(r.id),
    time: r.time,
    category: AuditCategory.parse(r.category),
    userId: r.user_id,
    username: r.username,
    role: r.role === null ? null : Role.parse(r.role),
    hostId: r.host_id,
    containerId: r.container_id,
    containerName: r.container_name,
    targetId: r.target_id,
    target: r.target,
    action: r.action,
    protected: r.protected,
    result: AuditResult.parse(r.result),
    reason: r.reason,
    detail: r.detail,
    clientAddress: r.client_address,
  };
}
