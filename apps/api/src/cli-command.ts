/**
 * How a person runs the CLI where this server runs, as hints and `--help` name it: the command
 * the server's container image puts on the PATH (the image sets CROWSNEST_CLI_COMMAND=crowsnest),
 * else `npm run cli --`, a checkout's. The one place that decides it.
 */
export function cliCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.CROWSNEST_CLI_COMMAND || "npm run cli --";
}
