import type { AuditEntry } from "@crowsnest/protocol";
import type pg from "pg";
import type { AuditFilter, AuditPage, AuditRepository, NewAuditEntry } from "../audit-repository.ts";
import { AUDIT_WRITTEN, type AuditRow, auditPageQuery, auditRowValues, toAuditPage } from "../audit-rows.ts";
import { pgText } from "./database.ts";

/** Append and read only: the table's triggers refuse UPDATE, DELETE and TRUNCATE even if someone tried. */
export class PgAuditRepository implements AuditRepository {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async append(e: NewAuditEntry): Promise<AuditEntry> {
    const { category, values } = auditRowValues(e);
    const { rows } = await this.#pool.query<{ id: number }>(
      `INSERT INTO audit_log (${AUDIT_WRITTEN.join(", ")})
       VALUES (${AUDIT_WRITTEN.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING id`,
      values.map((value) => (typeof value === "string" ? pgText(value) : value)),
    );
    return { id: String(rows[0]?.id), category, ...e };
  }

  async query(filter: AuditFilter, page: { before: string | null; limit: number }): Promise<AuditPage> {
    const params: unknown[] = [];
    const sql = auditPageQuery(
      {
        ...filter,
        user: filter.user === undefined ? undefined : pgText(filter.user),
        container: filter.container === undefined ? undefined : pgText(filter.container),
      },
      page,
      (value) => `$${params.push(value)}`,
    );
    const { rows } = await this.#pool.query<AuditRow>(sql, params);
    return toAuditPage(rows, page.limit);
  }
}
