import { cliCommand } from "../cli-command.ts";
import type { Config } from "../config.ts";
import { openStore } from "../store/open-store.ts";
import type { Store } from "../store/store.ts";

/** One CLI command: how it is called, what it does, and the code that does it. */
export interface CliCommand {
  /** "<group> <verb>", as typed. */
  name: string;
  /** Its arguments and options after the name, as its usage line shows them. */
  args: string;
  /** What it does, in one line of `--help`. */
  summary: string;
  /** Runs it with its own arguments (the global options taken out); throws with a message for the user. */
  run(args: readonly string[], config: Config, json: boolean): Promise<void>;
}

/** The command's usage line, in its errors and its `--help`, with the CLI as it is run here (cliCommand). */
export function usageOf(command: Pick<CliCommand, "name" | "args">): string {
  return `usage: ${cliCommand()} ${command.name} ${command.args}`;
}

/**
 * Runs a command's `body` on the store `config` names (openStore) and closes the store after it,
 * also when `body` throws; resolves to what `body` resolves to, or rejects with what it throws.
 */
export async function withStore<T>(config: Config, body: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}
