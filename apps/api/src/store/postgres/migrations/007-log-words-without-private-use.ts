import type { Migration } from "../../migration-steps.ts";

/** Unicode's private-use ranges (general category Co), as a PostgreSQL regular expression class. */
const PRIVATE_USE = String.raw`[\uE000-\uF8FF\U000F0000-\U000FFFFD\U00100000-\U0010FFFD]`;

/**
 * Migration 7 of the PostgreSQL store, as the SQLite store's 20: a line's words (`log-words.ts`) are
 * runs of letters and digits, as `findLogMatches` reads them. They held private-use characters (an
 * icon font's glyph) too, so "\uE0B0timeout" was one word and a search for "timeout" did not find
 * the line. New lines are written by the new rule; a stored line with such a character gets the
 * parts of its words cut there added (its old words stay: a superset, which the matcher narrows).
 * A word cut at 64 characters keeps only what the cut left. Reads every stored line's text once.
 */
export const logWordsWithoutPrivateUseMigration: Migration = {
  version: 7,
  name: "log-words-without-private-use",
  sql: `
UPDATE log_lines SET words = words || array_to_tsvector(ARRAY(
  SELECT DISTINCT part
  FROM unnest(tsvector_to_array(words)) AS w(word),
    regexp_split_to_table(w.word, '${PRIVATE_USE}+') AS part
  WHERE part <> ''
))
WHERE text ~ '${PRIVATE_USE}';
`,
};
