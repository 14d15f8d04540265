import type { z } from "zod";
import { LIMITS } from "./limits.ts";

export type DecodeErrorCode = "too_large" | "not_utf8" | "too_deep" | "not_json" | "unknown_type" | "invalid";

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
}

/**
 * A decoded message, or why not. `json`, set only when an AcceptCheck accepted the frame: the
 * frame's UTF-8 bytes (the frame itself when given as bytes), of which `message` is the JSON parse
 * less the keys the schema does not name. A reader that takes keys by name may parse it again
 * instead of copying `message` (another thread: bytes cross to a worker as one copy, where the
 * objects a parse made are cloned one by one, about nine times the main thread's time for a
 * metrics batch).
 */
export type DecodeResult<T> = { ok: true; message: T; json?: Uint8Array } | { ok: false; error: DecodeError };

/** A table from a message's `type` field to the schema that validates the whole message. */
export type MessageTable = Readonly<Record<string, z.ZodType>>;

type MessageOf<T extends MessageTable> = z.output<T[keyof T]>;

/**
 * A faster check of one message type's JSON value than its schema's parse (a validator compiled
 * from the schema, the server's `agent-frame-checks.ts`), trusted only when it accepts: it must then
 * have left the value as the schema would output it (unknown keys removed). When it refuses, the
 * schema decides, and says why.
 */
export type AcceptCheck = (value: unknown) => boolean;

export interface DecodeOptions {
  maxBytes: number;
  maxDepth?: number;
  /** Checks by message type, tried before the schema (AcceptCheck). */
  accept?: Readonly<Record<string, AcceptCheck>>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Turns one received frame into a validated message, or says exactly why not.
 * It never throws: every peer is assumed hostile, and a bad frame must not take the process down.
 */
export function decode<T extends MessageTable>(
  table: T,
  frame: string | Uint8Array,
  options: DecodeOptions,
): DecodeResult<MessageOf<T>> {
  const size = typeof frame === "string" ? Buffer.byteLength(frame) : frame.byteLength;
  if (size > options.maxBytes) {
    return fail("too_large", `frame of ${size} bytes exceeds the limit of ${options.maxBytes}`);
  }
  let text: string;
  if (typeof frame === "string") {
    text = frame;
  } else {
    try {
      text = utf8.decode(frame);
    } catch {
      return fail("not_utf8", "frame is not valid UTF-8");
    }
  }
  // V8's JSON.parse does not recurse, so the depth is checked only before what would (the schema's
  // parse): a message an AcceptCheck took has its schema's fixed depth once unnamed keys are gone.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail("not_json", `frame is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail("invalid", "a message must be a JSON object");
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string") return fail("invalid", "message has no string `type` field");
  if (!Object.hasOwn(table, type)) {
    return fail("unknown_type", `unknown message type "${type.slice(0, 64)}"`);
  }
  if (options.accept !== undefined && Object.hasOwn(options.accept, type) && options.accept[type]?.(value)) {
    const json = typeof frame === "string" ? Buffer.from(frame) : frame;
    return { ok: true, message: value as MessageOf<T>, json };
  }
  const maxDepth = options.maxDepth ?? LIMITS.jsonDepth;
  if (jsonDepth(text) > maxDepth) return fail("too_deep", `JSON nesting deeper than ${maxDepth}`);
  const schema = table[type] as z.ZodType;
  const parsed = schema.safeParse(value);
  if (!parsed.success) return fail("invalid", describeIssues(type, parsed.error));
  return { ok: true, message: parsed.data as MessageOf<T> };
}

/** Serializes a message for the wire. Kept beside decode so both ends agree on the format. */
export function encode(message: { type: string }): string {
  return JSON.stringify(message);
}

function fail(code: DecodeErrorCode, message: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { code, message } };
}

function describeIssues(type: string, error: z.ZodError): string {
  const first = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join(".") || "(root)";
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : "";
  return `invalid "${type}" message: ${first.join("; ")}${more}`;
}

/** Deepest array/object nesting in a JSON text, found without parsing it (strings are skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return max;
}
