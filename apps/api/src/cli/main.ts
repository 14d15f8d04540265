#!/usr/bin/env node
import { parseArgs } from "node:util";
import { loadOrExit } from "@crowsnest/protocol/settings";
import { cliCommand } from "../cli-command.ts";
import { loadConfig, SERVER_HELP } from "../config.ts";
import { type CliCommand, usageOf } from "./command.ts";
import { hostAdd } from "./host-add.ts";
import { hostEnrol } from "./host-enrol.ts";
import { userAdd } from "./user-add.ts";
import { userResetPassword } from "./user-reset-password.ts";
import { userUnlock } from "./user-unlock.ts";

/** Every command by its "<group> <verb>"; each lives in its own file. */
const COMMANDS: ReadonlyMap<string, CliCommand> = new Map(
  [userAdd, userResetPassword, userUnlock, hostEnrol, hostAdd].map((command) => [command.name, command]),
);

const GLOBAL_HELP = [
  "  --data-dir DIR       the server's data directory, its SQLite store there (CROWSNEST_DATA_DIR; ./data)",
  "  --database-url URL   the server's database instead (CROWSNEST_DATABASE_URL): sqlite:FILE or postgres://…",
  "  --json               print the result as one JSON object",
  "  -h, --help           this help; after a command, that command's",
].join("\n");

/** The whole CLI's help: every command with its arguments and what it does, then the options. */
function help(): string {
  const commands = [...COMMANDS.values()]
    .map((command) => `  ${command.name} ${command.args}\n      ${command.summary}\n`)
    .join("");
  return (
    "Manages users and hosts in crowsnest-server's store (the same settings as the server; run it\n" +
    "where the server runs).\n\n" +
    `usage: ${cliCommand()} <command> [arguments] [--data-dir DIR] [--database-url URL] [--json]\n\n` +
    `commands:\n${commands}\noptions, for every command:\n${GLOBAL_HELP}\n`
  );
}

/** One command's help: its usage line, what it does, and the options every command takes. */
function commandHelp(command: CliCommand): string {
  return `${usageOf(command)} [--data-dir DIR] [--database-url URL] [--json]\n\n${command.summary}\n\noptions:\n${GLOBAL_HELP}\n`;
}

const argv = process.argv.slice(2);
// Not strict: options other than the global ones belong to the command (`user add x --role R`).
const { values, tokens } = parseArgs({
  args: argv,
  allowPositionals: true,
  strict: false,
  tokens: true,
  options: {
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
const [groupToken, verbToken] = tokens.filter((token) => token.kind === "positional");
const command = COMMANDS.get(`${groupToken?.value ?? ""} ${verbToken?.value ?? ""}`);
if (values.help === true) {
  process.stdout.write(command === undefined ? help() : commandHelp(command));
  process.exit(0);
}
if (command === undefined) {
  const typed = [groupToken?.value, verbToken?.value].filter((word) => word !== undefined).join(" ");
  if (typed !== "") process.stderr.write(`error: no command "${typed}"\n\n`);
  process.stderr.write(help());
  process.exit(2);
}
// The store's settings, as the server takes them: flags here, else the CROWSNEST_* variables.
const STORE_FLAGS = ["data-dir", "database-url"] as const;
const storeArgs = STORE_FLAGS.flatMap((flag) => {
  const value = values[flag];
  return typeof value === "string" ? [`--${flag}`, value] : [];
});
const config = loadOrExit("crowsnest", SERVER_HELP, () => loadConfig(storeArgs, process.env));
const globalArgs = new Set<number>();
const GLOBAL_OPTIONS: ReadonlySet<string> = new Set([...STORE_FLAGS, "json"]);
for (const token of tokens) {
  if (token.kind !== "option" || !GLOBAL_OPTIONS.has(token.name)) continue;
  globalArgs.add(token.index);
  if (token.value !== undefined && !token.inlineValue) globalArgs.add(token.index + 1);
}
const rest = argv.filter((_, i) => i > (verbToken?.index ?? argv.length) && !globalArgs.has(i));
try {
  await command.run(rest, config, values.json === true);
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
