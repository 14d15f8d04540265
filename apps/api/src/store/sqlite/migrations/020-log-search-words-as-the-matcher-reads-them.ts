import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 20: the search index cuts and folds words as the line matcher does, so that it always
 * finds a superset of the lines the matcher accepts. `findLogMatches` (packages/protocol) compares
 * text lower-cased with every combining mark removed (NFD), a word being a run of letters and digits
 * (`\p{L}\p{N}`); PostgreSQL's word index follows that rule (`log-words.ts`). SQLite's `log_fts`
 * differed twice:
 * - `unicode61`'s default `remove_diacritics 1` leaves a letter with two diacritics as it is ("ệ" in
 *   "Việt"): "viet" was found when the scan checked the line's text (the newest lines, the keys
 *   still pending, migration 19) but not through the index. `remove_diacritics 2` folds them all
 *   (SQLite's FTS5 documentation, "Unicode61 Tokenizer").
 * - `unicode61` keeps private-use characters (an icon font's glyph, U+E0B0) in a token, so a line's
 *   "timeout" right after one was not found through the index. Its `categories` option cannot say
 *   otherwise (SQLite 3.53's tables class U+E000 as private use but not U+E0B0), so the text the
 *   index is given (`crowsnest_search_text`, search-text.ts) has them as spaces since this version.
 * A token the index cuts or folds further than the matcher still finds a superset, which the matcher
 * narrows. Every stored line is indexed again (with the new search text, which the delete trigger
 * must give as the insert did), as migration 9 did: 4.1 s for a file of a million lines on the
 * 2-core machine of BENCHMARKS.md, once, as the server starts on it.
 */
export const logSearchWordsAsTheMatcherReadsThemMigration: Migration = {
  version: 20,
  name: "log-search-words-as-the-matcher-reads-them",
  sql: `
DROP TABLE log_fts;
CREATE VIRTUAL TABLE log_fts USING fts5(
  text, content='log_lines', content_rowid='id', detail=none, columnsize=0, prefix='3',
  tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO log_fts(rowid, text) SELECT id, crowsnest_search_text(text) FROM log_lines;
`,
};
