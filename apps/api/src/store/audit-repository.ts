import type { AuditAction, AuditCategory, AuditEntry, AuditResult } from "@crowsnest/protocol";

/** A row to append: the category follows from the action (see `auditCategoryOf`), so it cannot disagree. */
export type NewAuditEntry = Omit<AuditEntry, "id" | "category" | "action"> & { action: AuditAction };

export interface AuditFilter {
  /** A user id or a username: the actor. */
  user?: string;
  hostId?: string;
  /** A full container id or a container name. */
  container?: string;
  category?: AuditCategory;
  action?: AuditAction;
  result?: AuditResult;
  /** Inclusive bounds on `time`, epoch ms. */
  from?: number;
  to?: number;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Pass back as `before` for the next (older) page; null when this page is the last. */
  nextCursor: string | null;
}

/**
 * The audit log can only grow: there is deliberately no method that changes or removes a row,
 * and the SQL backends refuse UPDATE and DELETE on the table with triggers as well.
 */
export interface AuditRepository {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  query(filter: AuditFilter, page: { before: string | null; limit: number }): Promise<AuditPage>;
}
