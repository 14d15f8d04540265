import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { configure } from "./database.ts";
import { registerSearchText } from "./search-text.ts";

/**
 * Opens a connection to the database file (":memory:" for a private one in memory), its directory
 * made if needed, with the settings (`configure`) and SQL functions every connection needs (the
 * log triggers call `crowsnest_search_text` on whichever connection inserts a line). Throws when
 * the file cannot be opened.
 */
export function openConnection(path: string): DatabaseSync {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path);
  try {
    configure(db);
    registerSearchText(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
