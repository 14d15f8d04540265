import type { DatabaseSync } from "node:sqlite";
// The subpath alone: the telemetry worker's connection registers this, and the package's index
// would load every schema (zod) into the worker thread for one function.
import { stripAnsi } from "@crowsnest/protocol/ansi";

/** Unicode's private-use characters (general category Co): icon fonts' glyphs. */
const PRIVATE_USE = /\p{Co}/gu;

/**
 * The SQL function that gives the log search index a line as it reads on screen, cut where the
 * line matcher (`findLogMatches`) cuts words: without colour codes, so a green "INFO"
 * (`\x1b[32mINFO`) is the word INFO, not "32minfo"; private-use characters as spaces, so that
 * "\uE0B0timeout" holds the word "timeout", which `unicode61` cannot be told (migration 20).
 * Registered on every connection before the migrations, whose triggers call it. What it returns
 * for a stored line must not change without indexing every line again: the delete trigger gives
 * the index the line's words as this function makes them.
 */
export const SEARCH_TEXT = "crowsnest_search_text";

export function registerSearchText(db: DatabaseSync): void {
  db.function(SEARCH_TEXT, { deterministic: true }, (text) =>
    typeof text === "string" ? stripAnsi(text).replace(PRIVATE_USE, " ") : text,
  );
}
