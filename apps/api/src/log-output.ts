import { type LogFormat, readableLogs } from "@crowsnest/protocol/settings";
import type { FastifyServerOptions } from "fastify";
import type { LogLevel } from "./config.ts";

/**
 * The server's logger options: JSON lines for a log shipper, or, in a terminal (or with
 * CROWSNEST_LOG_FORMAT=pretty), readable lines through pino-pretty — `[12:34:56.789] INFO: msg` and
 * the fields below it — as a stream in this process (no worker thread), loaded only then. On
 * stdout (`fd` 1), except the line that says why the server could not start (`fd` 2, start-failure.ts).
 */
export async function serverLogger(
  level: LogLevel,
  format: LogFormat,
  fd: 1 | 2 = 1,
): Promise<FastifyServerOptions["logger"]> {
  const out = fd === 1 ? process.stdout : process.stderr;
  if (!readableLogs(format, out)) return fd === 1 ? { level } : { level, stream: out };
  const { default: pretty } = await import("pino-pretty");
  const stream = pretty({
    colorize: out.isTTY === true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    destination: fd,
    sync: true,
  });
  return { level, stream };
}
