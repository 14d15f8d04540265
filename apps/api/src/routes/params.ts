import { ContainerId, HostId } from "@crowsnest/protocol";
import { z } from "zod";

export const HostParams = z.object({ hostId: HostId });
export const ContainerParams = z.object({ hostId: HostId, containerId: ContainerId });

/**
 * The latest time a query may name: 9999-12-31T23:59:59.999Z, i.e. 253,402,300,799,999 ms. `new Date()`
 * reaches 8.64e15 ms, but log positions are compared as RFC 3339 text with a four-digit year
 * (store/log-time.ts), which ends here; PostgreSQL's timestamps reach further.
 */
export const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The longest cursor a client may send back, in characters; the server's own are far shorter. */
const MAX_CURSOR_CHARS = 512;

/**
 * A whole number in a query string, from `min` to `max` inclusive (both safe integers). Only 1 to 16
 * decimal digits pass: no sign, fraction, exponent, hex, `NaN`, `Infinity`, blank or spaces, so
 * `-1`, `1e400` or `0x10` fail here (a 400 naming the field), never later in `new Date()` or the store.
 * `meaning` opens the message, e.g. "milliseconds since the Unix epoch".
 */
function wholeNumberParam(meaning: string, min: number, max: number) {
  const message = `must be ${meaning}: a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,16}$/, message)
    .transform(Number)
    .refine((n) => n >= min && n <= max, message);
}

/** A time in a query string (`from`, `to`): milliseconds since the Unix epoch, 0 to MAX_EPOCH_MS. */
export const EpochMsParam = wholeNumberParam("milliseconds since the Unix epoch", 0, MAX_EPOCH_MS);

/** A page size in a query string (`limit`): a whole number of items from 1 to `max`. */
export function limitParam(max: number) {
  return wholeNumberParam("a number of items", 1, max);
}

/**
 * A `cursor` in a query string: the `nextCursor` of a previous page, opaque to clients, at most 512
 * characters. `decode` turns it into the store's position, or null for anything this server did not
 * issue, which fails as a 400 naming the field.
 */
export function cursorParam<T>(decode: (cursor: string) => T | null) {
  return z
    .string()
    .max(MAX_CURSOR_CHARS)
    .transform((cursor, ctx) => {
      const position = decode(cursor);
      if (position !== null) return position;
      ctx.addIssue({ code: "custom", message: "not a cursor this server issued" });
      return z.NEVER;
    });
}
