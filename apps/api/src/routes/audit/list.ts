import { AuditAction, AuditCategory, type AuditResponse, AuditResult, HostId } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AppError } from "../../errors/app-error.ts";
import { parseInput } from "../../errors/validate.ts";
import type { Store } from "../../store/store.ts";
import { ADMIN_ONLY } from "../access.ts";
import { cursorParam, EpochMsParam, limitParam } from "../params.ts";

/** An audit page's `nextCursor`: the id (1 to 2^53 - 1, in decimal) of the last entry returned. */
function decodeAuditCursor(cursor: string): string | null {
  return /^[1-9][0-9]{0,15}$/.test(cursor) && Number.isSafeInteger(Number(cursor)) ? cursor : null;
}

/** The query of GET /api/audit; exported for the property test over every query schema. */
export const AuditQuery = z
  .object({
    /** A user id or a username. */
    user: z.string().min(1).max(64).optional(),
    host: HostId.optional(),
    /** A full container id or a container name. */
    container: z.string().min(1).max(256).optional(),
    category: AuditCategory.optional(),
    /** A container action (`stop`) or another category's (`user.create`, `session.login_failed`, …). */
    action: AuditAction.optional(),
    result: AuditResult.optional(),
    from: EpochMsParam.optional(),
    to: EpochMsParam.optional(),
    limit: limitParam(500).default(100),
    /** The `nextCursor` of the previous page. */
    cursor: cursorParam(decodeAuditCursor).optional(),
  })
  .strict();

/** GET /api/audit (ADMIN): every category of event, newest first, filtered, paged by cursor. */
export function registerListAudit(app: FastifyInstance, store: Store): void {
  app.get("/api/audit", { config: { access: ADMIN_ONLY } }, async (request): Promise<AuditResponse> => {
    const q = parseInput("query", AuditQuery, request.query);
    // As for metrics and logs: an inverted range is a mistake to report, not an empty page.
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
      throw new AppError("bad_request", "query.from: must not be after `to`", { field: "query.from" });
    }
    return store.audit.query(
      {
        user: q.user,
        hostId: q.host,
        container: q.container,
        category: q.category,
        action: q.action,
        result: q.result,
        from: q.from,
        to: q.to,
      },
      { before: q.cursor ?? null, limit: q.limit },
    );
  });
}
