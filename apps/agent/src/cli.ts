/** The agent started from the command line: configuration, logging, the Agent, and its shutdown on a signal. */
import { exitWithConfigError, loadOrExit, readableLogs } from "@crowsnest/protocol/settings";
import { Agent } from "./agent.ts";
import { ConfigError, HELP, loadAgentConfig } from "./config.ts";
import { createLogger, describeError } from "./logger.ts";

const PROGRAM = "crowsnest-agent";

/**
 * Runs the agent with this process's arguments and environment until SIGINT or SIGTERM. Exits the
 * process: 2 on bad configuration (one line saying what is wrong, before any structured logging
 * starts), 1 when the agent cannot start or stop, 0 after a clean shutdown.
 */
export async function runAgent(): Promise<void> {
  const config = loadOrExit(PROGRAM, HELP, () => loadAgentConfig(process.argv.slice(2), process.env));
  const log = createLogger(config.logLevel, undefined, {}, readableLogs(config.logFormat, process.stderr));
  let agent: Agent;
  try {
    agent = await Agent.start(config, log);
  } catch (err) {
    if (err instanceof ConfigError) exitWithConfigError(PROGRAM, err);
    log.error("agent could not start", { err: describeError(err as Error) });
    process.exit(1);
  }
  log.info("agent started", { server: config.serverUrl.toString(), stateDir: config.stateDir });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error("shutdown failed", { err: err as Error });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
