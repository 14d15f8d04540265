/**
 * Structured JSON logs, one object per line on stderr, so a log shipper can parse them; or, for a
 * person at a terminal (readableLogs), one readable line each: `[12:34:56.789] INFO: msg key=value`.
 */
import { isoTime } from "./iso-time.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** A logger writing lines of `level` and above with `write`; readable lines instead of JSON when `readable`. */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
  bound: LogFields = {},
  readable = false,
): Logger {
  return new LineLogger(LOG_LEVELS.indexOf(level), write, bound, readable);
}

/**
 * A class rather than an object of closures: the agent holds a child logger per followed container
 * (its id bound), and methods on the prototype are not made again for each one.
 */
class LineLogger implements Logger {
  readonly #threshold: number;
  readonly #write: (line: string) => void;
  readonly #bound: LogFields;
  readonly #readable: boolean;

  constructor(threshold: number, write: (line: string) => void, bound: LogFields, readable: boolean) {
    this.#threshold = threshold;
    this.#write = write;
    this.#bound = bound;
    this.#readable = readable;
  }

  debug(msg: string, fields?: LogFields): void {
    this.#emit("debug", msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#emit("info", msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.#emit("warn", msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.#emit("error", msg, fields);
  }

  child(fields: LogFields): Logger {
    return new LineLogger(this.#threshold, this.#write, { ...this.#bound, ...fields }, this.#readable);
  }

  #emit(at: LogLevel, msg: string, fields?: LogFields): void {
    if (LOG_LEVELS.indexOf(at) < this.#threshold) return;
    const now = Date.now();
    const rest = { ...this.#bound, ...serializeErrors(fields) };
    this.#write(
      this.#readable
        ? readableLine(new Date(now), at, msg, rest)
        : `${JSON.stringify({ time: isoTime(now), level: at, msg, ...rest })}\n`,
    );
  }
}

/** `[HH:MM:SS.mmm] LEVEL: msg key=value …` in local time; a value with spaces or quotes is quoted as JSON. */
function readableLine(time: Date, level: LogLevel, msg: string, fields: LogFields): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
  const pairs = Object.entries(fields).map(([key, value]) => {
    const bare = typeof value === "string" && /^[^\s"=]+$/.test(value);
    return ` ${key}=${bare ? value : JSON.stringify(value)}`;
  });
  return `[${clock}] ${level.toUpperCase()}: ${msg}${pairs.join("")}\n`;
}

/** Error objects stringify to `{}`; keep their message (and cause) instead. */
function serializeErrors(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? describeError(value) : value;
  }
  return out;
}

export function describeError(err: Error): string {
  const cause = err.cause instanceof Error ? `: ${describeError(err.cause)}` : "";
  return `${err.message}${cause}`;
}
