import { z } from "zod";
import type { LogPosition } from "../../store/store.ts";

const Position = z.tuple([
  z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/),
  z.number().int().positive(),
]);

/** Cursors are opaque to clients: base64url of the (ts, id) of the oldest line already returned. */
export function encodeCursor(position: LogPosition): string {
  return Buffer.from(JSON.stringify([position.ts, position.id])).toString("base64url");
}

/**
 * The position a cursor from encodeCursor holds, or null for anything else (not base64url of a JSON
 * `[ts, id]` with a nine-digit RFC 3339 `ts` and a positive safe-integer `id`).
 */
export function decodeCursor(cursor: string): LogPosition | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return null; // not JSON: reported to the client as a bad cursor
  }
  const parsed = Position.safeParse(value);
  return parsed.success ? { ts: parsed.data[0], id: parsed.data[1] } : null;
}
