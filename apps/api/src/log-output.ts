import { type LogFormat, readableLogs } from "@crowsnest/protocol/settings";
import type { FastifyServerOptions } from "fastify";
import type { LogLevel } from "./config.ts";

/**
 * The server's logger options: JSON lines on stdout for a log shipper, or, in a terminal (or with
 * CROWSNEST_LOG_FORMAT=pretty), readable lines through pino-pretty — `[12:34:56.789] INFO: msg` and
 * the fields below it — as a stream in this process (no worker thread), loaded only then.
 */
export async function serverLogger(
  level: LogLevel,
  format: LogFormat,
): Promise<FastifyServerOptions["logger"]> {
  if (!readableLogs(format, process.stdout)) return { level };
  const { default: pretty } = await import("pino-pretty");
  const stream = pretty({
    colorize: process.stdout.isTTY === true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    destination: 1,
    sync: true,
  });
  return { level, stream };
}
