import type { z } from "zod";
import { AppError } from "./app-error.ts";

/**
 * Parses one part of a request (params, query, body) with its schema; a failure becomes a
 * bad_request naming the first offending field, e.g. `query.from`.
 */
export function parseInput<S extends z.ZodType>(
  part: "params" | "query" | "body",
  schema: S,
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join(".") ?? "";
  const field = path ? `${part}.${path}` : part;
  throw new AppError("bad_request", `${field}: ${issue?.message ?? "invalid"}`, { field });
}
