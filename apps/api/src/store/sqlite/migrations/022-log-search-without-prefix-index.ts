import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 22: the search index keeps no prefix index (migration 9's `prefix='3'`). FTS5 reads a
 * prefix query from a prefix index only when the query's prefix has an indexed length, or one less
 * as a help to merge; any other it answers from the terms that begin with it in the main index
 * (`sqlite3Fts5IndexQuery` in SQLite's fts5_index.c). So the prefix index served searches of two
 * or three characters only, yet every word of three or more went into the index twice, on the
 * writer thread that limits the server's rate of log lines. Without it the writer took 0.87-0.91
 * of the CPU time a line over 4 million lines (`bench/suites/storage-write.ts --logs --lines
 * 4000000`, BENCHMARKS.md figure 3), and a line 0.93 of the bytes on disk (figure 7). A search
 * of two or three characters now reads the terms that begin with them, as a longer one always did,
 * in the same time for two (figure 7b). Every stored line is indexed again, as in migration 20
 * (about 4 s a million lines, once, as the server starts; a file upgraded keeps its size, the pages
 * freed are used again).
 */
export const logSearchWithoutPrefixIndexMigration: Migration = {
  version: 22,
  name: "log-search-without-prefix-index",
  sql: `
DROP TABLE log_fts;
CREATE VIRTUAL TABLE log_fts USING fts5(
  text, content='log_lines', content_rowid='id', detail=none, columnsize=0,
  tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO log_fts(rowid, text) SELECT id, crowsnest_search_text(text) FROM log_lines;
`,
};
