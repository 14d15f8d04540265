import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { AuditEntry } from "@crowsnest/protocol";
import type { AuditFilter, AuditPage, AuditRepository, NewAuditEntry } from "../audit-repository.ts";
import { AUDIT_WRITTEN, type AuditRow, auditPageQuery, auditRowValues, toAuditPage } from "../audit-rows.ts";

/** Append and read only: the table's triggers refuse UPDATE and DELETE even if someone tried. */
export class SqliteAuditRepository implements AuditRepository {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO audit_log (${AUDIT_WRITTEN.join(", ")})
       VALUES (${AUDIT_WRITTEN.map(() => "?").join(", ")}) RETURNING id`,
    );
  }

  async append(e: NewAuditEntry): Promise<AuditEntry> {
    const { category, values } = auditRowValues(e);
    // SQLite has no boolean: `protected` is stored as 0 or 1.
    const row = this.#insert.get(
      ...values.map((value) => (typeof value === "boolean" ? (value ? 1 : 0) : value)),
    ) as { id: number };
    return { id: String(row.id), category, ...e };
  }

  async query(filter: AuditFilter, page: { before: string | null; limit: number }): Promise<AuditPage> {
    const params: SQLInputValue[] = [];
    const sql = auditPageQuery(filter, page, (value) => {
      params.push(value);
      return "?";
    });
    // The text varies with the filters, so this statement is prepared per call.
    const rows = this.#db.prepare(sql).all(...params) as unknown as AuditRow[];
    return toAuditPage(rows, page.limit);
  }
}
