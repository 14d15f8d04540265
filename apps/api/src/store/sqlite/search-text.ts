import type { DatabaseSync } from "node:sqlite";
// The subpath alone: the telemetry worker's connection registers this, and the package's index
// would load every schema (zod) into the worker thread for one function.
import { stripAnsi } from "@crowsnest/protocol/ansi";

/**
 * The SQL function that gives the log search index a line as it reads on screen: without
 * colour codes, so a green "INFO" (`\x1b[32mINFO`) is the word INFO, not "32minfo".
 * Registered on every connection before the migrations, whose triggers call it.
 */
export const SEARCH_TEXT = "crowsnest_search_text";

export function registerSearchText(db: DatabaseSync): void {
  db.function(SEARCH_TEXT, { deterministic: true }, (text) =>
    typeof text === "string" ? stripAnsi(text) : text,
  );
}
