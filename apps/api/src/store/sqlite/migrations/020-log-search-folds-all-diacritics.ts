import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 20: the search index folds every diacritic, as the line matcher does. `findLogMatches`
 * (packages/protocol) compares text lower-cased with every combining mark removed (NFD), and
 * PostgreSQL's word index uses that rule; SQLite's `log_fts` used `unicode61`'s default
 * `remove_diacritics 1`, which leaves a letter with two diacritics as it is ("ệ" in "Việt"). A search
 * for "viet" then found such a line when the scan checked its text (the newest lines, the keys
 * still pending, migration 19) but not through the index, so whether it showed depended on where
 * the line was. `remove_diacritics 2` folds them all (SQLite's FTS5 documentation, "Unicode61
 * Tokenizer"); a token it folds further than the matcher still finds a superset, which the matcher
 * narrows. Every stored line is indexed again, as migration 9 did: 4.1 s for a file of a million
 * lines on the 2-core machine of BENCHMARKS.md, once, as the server starts on it.
 */
export const logSearchFoldsAllDiacriticsMigration: Migration = {
  version: 20,
  name: "log-search-folds-all-diacritics",
  sql: `
DROP TABLE log_fts;
CREATE VIRTUAL TABLE log_fts USING fts5(
  text, content='log_lines', content_rowid='id', detail=none, columnsize=0, prefix='3',
  tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO log_fts(rowid, text) SELECT id, crowsnest_search_text(text) FROM log_lines;
`,
};
