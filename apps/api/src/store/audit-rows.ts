import { AuditCategory, type AuditEntry, AuditResult, auditCategoryOf, Role } from "@crowsnest/protocol";
import type { AuditFilter, AuditPage, NewAuditEntry } from "./audit-repository.ts";

/** Every column of `audit_log` but `id`, in the order of `auditRowValues`. */
export const AUDIT_WRITTEN = [
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

const COLUMNS = ["id", ...AUDIT_WRITTEN].join(", ");

/** A row of `audit_log` as both backends select it. */
export interface AuditRow {
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
  /** A boolean on PostgreSQL, 0 or 1 on SQLite. */
  protected: boolean | number;
  result: string;
  reason: string | null;
  detail: string | null;
  client_address: string;
}

/** The category an appended entry is stored under, and its values in the order of AUDIT_WRITTEN. */
export function auditRowValues(e: NewAuditEntry): {
  category: AuditCategory;
  values: (string | number | boolean | null)[];
} {
  const category = auditCategoryOf(e.action);
  return {
    category,
    values: [
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
      e.protected,
      e.result,
      e.reason,
      e.detail,
      e.clientAddress,
    ],
  };
}

/**
 * The SELECT of one page of the audit log, newest first: the entries that match every filter given,
 * older than the `before` cursor, one more than `limit` (so that `toAuditPage` can tell whether
 * another page follows). `bind(value)` binds a value and returns its placeholder (`$1`, `?`); it is
 * called once for each place a value stands, in the order they stand in the text.
 */
export function auditPageQuery(
  filter: AuditFilter,
  page: { before: string | null; limit: number },
  bind: (value: string | number) => string,
): string {
  const where: string[] = [];
  const add = (clause: string, value: string | number | undefined): void => {
    if (value !== undefined) where.push(clause.replaceAll("?", () => bind(value)));
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
  // Filters vary per request, so the text varies; every value is a bound parameter.
  return `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
          ORDER BY id DESC LIMIT ${bind(page.limit + 1)}`;
}

/** The page that the rows of `auditPageQuery` make: at most `limit` entries, and the cursor of the next page. */
export function toAuditPage(rows: readonly AuditRow[], limit: number): AuditPage {
  const entries = rows.slice(0, limit).map(toEntry);
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > limit && last ? last.id : null };
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
    protected: r.protected === true || r.protected === 1,
    result: AuditResult.parse(r.result),
    reason: r.reason,
    detail: r.detail,
    clientAddress: r.client_address,
  };
}
