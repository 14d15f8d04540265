import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 3: the log search index holds each line without its ANSI escape sequences (see
 * `search-text.ts`), so coloured words are found. The triggers index and un-index the same
 * stripped text; the lines already stored are indexed again.
 */
export const logSearchTextMigration: Migration = {
  version: 3,
  name: "log-search-text",
  sql: `
DROP TRIGGER log_lines_inserted;
DROP TRIGGER log_lines_deleted;
CREATE TRIGGER log_lines_inserted AFTER INSERT ON log_lines BEGIN
  INSERT INTO log_fts(rowid, text) VALUES (new.id, crowsnest_search_text(new.text));
  UPDATE hosts SET log_bytes = log_bytes + length(CAST(new.text AS BLOB)) WHERE id = new.host_id;
END;
CREATE TRIGGER log_lines_deleted AFTER DELETE ON log_lines BEGIN
  INSERT INTO log_fts(log_fts, rowid, text) VALUES ('delete', old.id, crowsnest_search_text(old.text));
  UPDATE hosts SET log_bytes = log_bytes - length(CAST(old.text AS BLOB)) WHERE id = old.host_id;
END;
INSERT INTO log_fts(log_fts) VALUES ('delete-all');
INSERT INTO log_fts(rowid, text) SELECT id, crowsnest_search_text(text) FROM log_lines;
`,
};
