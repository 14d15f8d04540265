import Fastify from "fastify";
import type { Config } from "./config.ts";
import { serverLogger } from "./log-output.ts";
import { type DatabaseLocation, showDatabase } from "./store/database-url.ts";

/** Why a start failed, in one sentence: the error's message, else its code. */
function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { code } = err as { code?: unknown };
  // Node rejects a connection to a name all of whose addresses refuse with an AggregateError
  // whose message is empty; its code says why (ECONNREFUSED).
  return err.message !== "" ? err.message : typeof code === "string" ? code : err.name;
}

/** The store could not be opened: which one (the password left out) and why. */
export function storeFailure(database: DatabaseLocation, err: unknown): Error {
  const setBy = database.backend === "postgres" ? ", set by CROWSNEST_DATABASE_URL or --database-url" : "";
  return new Error(`cannot open the store ${showDatabase(database)}${setBy}: ${reasonOf(err)}`, {
    cause: err,
  });
}

/** The port could not be bound: for a taken one, the two settings that choose another. */
export function listenFailure(host: string, port: number, err: unknown): Error {
  const { code } = err as { code?: unknown };
  const why =
    code === "EADDRINUSE"
      ? "the address is in use (another program listens there); choose another port with --port or CROWSNEST_PORT"
      : code === "EACCES"
        ? "permission denied (a port below 1024 needs privileges); choose another port with --port or CROWSNEST_PORT"
        : reasonOf(err);
  return new Error(`cannot listen on ${host}:${port}: ${why}`, { cause: err });
}

/**
 * Ends a start that failed (a refused database or NATS server, a taken port): one fatal line on
 * stderr in the server's log format (JSON, or readable in a terminal), exit code 1. The stack
 * follows at debug level only: these are faults of the setting or the surroundings, which the
 * line names, not of the code.
 */
export async function exitOnStartFailure(
  config: Pick<Config, "logLevel" | "logFormat">,
  err: unknown,
): Promise<never> {
  // Fastify's logger (pino) with the server's options: the same format as every other log line,
  // without depending on pino directly.
  const { log } = Fastify({ logger: await serverLogger(config.logLevel, config.logFormat, 2) });
  log.fatal(reasonOf(err));
  log.debug({ err }, "the start failure in detail");
  process.exit(1);
}
