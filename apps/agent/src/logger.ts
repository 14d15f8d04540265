/**
 * Structured JSON logs, one object per line on stderr, so a log shipper can parse them; or, for a
 * person at a terminal (readableLogs), one readable line each: `[12:34:56.789] INFO: msg key=value`.
 */
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
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel, msg: string, fields?: LogFields): void => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    const now = new Date();
    const rest = { ...bound, ...serializeErrors(fields) };
    write(
      readable
        ? readableLine(now, at, msg, rest)
        : `${JSON.stringify({ time: now.toISOString(), level: at, msg, ...rest })}\n`,
    );
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger(level, write, { ...bound, ...fields }, readable),
  };
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
