#!/usr/bin/env node
import { parseArgs } from "node:util";
import { loadOrExit } from "@crowsnest/protocol/settings";
import { type Config, loadConfig, SERVER_HELP } from "../config.ts";
import { hostAdd } from "./host-add.ts";
import { hostEnrol } from "./host-enrol.ts";
import { userAdd } from "./user-add.ts";
import { userResetPassword } from "./user-reset-password.ts";
import { userUnlock } from "./user-unlock.ts";

type Command = (args: readonly string[], config: Config, json: boolean) => Promise<void>;

/** "<group> <verb>" → command; each command lives in its own file. */
const COMMANDS: ReadonlyMap<string, Command> = new Map([
  ["host add", hostAdd],
  ["host enrol", hostEnrol],
  ["user add", userAdd],
  ["user reset-password", userResetPassword],
  ["user unlock", userUnlock],
]);

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
  },
});
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
const [groupToken, verbToken] = tokens.filter((token) => token.kind === "positional");
const group = groupToken?.value ?? "";
const verb = verbToken?.value ?? "";
const rest = argv.filter((_, i) => i > (verbToken?.index ?? argv.length) && !globalArgs.has(i));
const command = COMMANDS.get(`${group} ${verb}`);
if (!command) {
  process.stderr.write(
    `usage: crowsnest <command> [--data-dir DIR] [--database-url URL] [--json]\ncommands:\n`,
  );
  for (const name of COMMANDS.keys()) process.stderr.write(`  ${name}\n`);
  process.exit(2);
}
try {
  await command(rest, config, values.json === true);
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exit(1);
}
