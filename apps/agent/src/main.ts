#!/usr/bin/env node
import { Agent } from "./agent.ts";
import { ConfigError, HELP, parseConfig } from "./config.ts";
import { createLogger, describeError } from "./logger.ts";

/** Bad configuration exits with 2 and says what is wrong, before any structured logging starts. */
function exitWithConfigError(err: ConfigError): never {
  process.stderr.write(`crowsnest-agent: ${err.message}\nRun crowsnest-agent --help for the options.\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseConfig>;
try {
  parsed = parseConfig(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  exitWithConfigError(err);
}
if (parsed.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const log = createLogger(parsed.config.logLevel);
let agent: Agent;
try {
  agent = await Agent.start(parsed.config, log);
} catch (err) {
  if (err instanceof ConfigError) exitWithConfigError(err);
  log.error("agent could not start", { err: describeError(err as Error) });
  process.exit(1);
}
log.info("agent started", { server: parsed.config.serverUrl.toString(), stateDir: parsed.config.stateDir });

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
