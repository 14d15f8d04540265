import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { configure } from "./database.ts";
import { registerSearchText } from "./search-text.ts";

/**
 * Opens a connection to the database file (":memory:" for a private one in memory), its directory
 * made if needed, with the settings (`configure`) and SQL functions every connection needs
 * (`crowsnest_search_text`: the telemetry writer's connection indexes lines with it, and the log
 * delete trigger calls it on whichever connection deletes one). Throws when the file cannot be opened.
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
