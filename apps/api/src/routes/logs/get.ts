import { LogMatch, LogStream, type LogsResponse, logSearchWords } from "@crowsnest/protocol";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors/app-error.ts";
import { parseInput } from "../../errors/validate.ts";
import { msToTs, msToTsEnd } from "../../store/log-time.ts";
import { findHost } from "../hosts/find-host.ts";
import { ContainerParams, cursorParam, EpochMsParam, limitParam } from "../params.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";

const MAX_WORDS = 16;

/** The query of GET …/logs; exported for the property test over every query schema. */
export const LogsQuery = z
  .object({
    from: EpochMsParam.optional(),
    to: EpochMsParam.optional(),
    // SQLite's FTS5 cannot take a NUL inside a query string; no log search needs one.
    q: z
      .string()
      .max(512)
      .refine((q) => !q.includes("\0"), "must not contain NUL characters")
      .optional(),
    // How each word of `q` may occur: at a word's start (default) or anywhere (a bounded scan).
    match: LogMatch.optional(),
    case: z.enum(["sensitive", "insensitive"]).optional(),
    stream: LogStream.optional(),
    limit: limitParam(1_000).optional(),
    cursor: cursorParam(decodeCursor).optional(),
  })
  .strict();

/** GET /api/hosts/:hostId/containers/:containerId/logs?from=&to=&q=&match=&case=&stream=&limit=&cursor= */
export function registerGetLogs(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    "/api/hosts/:hostId/containers/:containerId/logs",
    { config: { access: "signed-in" } },
    async (request): Promise<LogsResponse> => {
      const { hostId, containerId } = parseInput("params", ContainerParams, request.params);
      const query = parseInput("query", LogsQuery, request.query);
      const to = query.to ?? Date.now();
      const from = query.from ?? 0;
      if (from > to)
        throw new AppError("bad_request", "query.from: must not be after `to`", { field: "query.from" });
      const words = query.q === undefined ? [] : logSearchWords(query.q);
      if (words.length > MAX_WORDS) {
        throw new AppError("bad_request", `query.q: at most ${MAX_WORDS} words`, { field: "query.q" });
      }
      await findHost(ctx, hostId);
      const page = await ctx.store.logs.query({
        hostId,
        containerId,
        from: msToTs(from),
        to: msToTsEnd(to),
        words: words.length > 0 ? words : null,
        match: query.match ?? "prefix",
        caseSensitive: query.case === "sensitive",
        stream: query.stream ?? null,
        limit: query.limit ?? 200,
        before: query.cursor ?? null,
      });
      return {
        lines: page.lines,
        nextCursor: page.next ? encodeCursor(page.next) : null,
        scanned: page.scanned,
      };
    },
  );
}
