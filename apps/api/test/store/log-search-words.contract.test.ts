import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { logSearchWordsAsTheMatcherReadsThemMigration } from "../../src/store/sqlite/migrations/020-log-search-words-as-the-matcher-reads-them.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { BACKENDS } from "./backends.ts";
import { addHostWithLogs, foundTexts } from "./log-pages.ts";
import { oldSchemaFile } from "./old-schema-file.ts";
import { createTestDatabase } from "./postgres-database.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-log-words-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A word an icon font's glyph (private use, U+E0B0) comes right before, as the line matcher reads it. */
const GLYPH = "\uE0B0";

/** Ten lines of `text(i)`, then newer lines without it. */
function ownLines(id: string, text: (i: number) => string) {
  return [
    ...Array.from({ length: 10 }, (_, i) => logLine(id, 1_000 + i, text(i))),
    // More than the 2,000 newest lines a prefix search reads before it asks its index.
    ...Array.from({ length: 2_500 }, (_, i) => logLine(id, 100_000 + i, `noise ${i}`)),
  ];
}

const viet = (i: number) => `Việt Nam ${i}`;
const glyph = (i: number) => `${GLYPH}timeout ${i}`;
const tenOf = (text: (i: number) => string) => Array.from({ length: 10 }, (_, i) => text(i));

/**
 * The word index finds what the line matcher finds, wherever the line is (through the index as
 * through the search's own check of the newest lines): "viet" finds "Việt" (every accent folded,
 * two on a letter as one: SQLite's index once kept "việt", `remove_diacritics 1`), and "timeout"
 * finds "\uE0B0timeout" (a private-use glyph is no part of a word: both indexes once kept it in
 * one). SQLite's migration 20, PostgreSQL's 7.
 */
describe.each(BACKENDS)(
  "Store contract, the word index reads words as the search does ($name)",
  ({ open }) => {
    it.each([
      ["viet", viet],
      ["timeout", glyph],
    ])("finds %s through the index, for a word on few lines", async (word, text) => {
      const store = await open();
      try {
        const own = newContainerId();
        const hostId = await addHostWithLogs(store, "h", ownLines(own, text));
        expect(await foundTexts(store, hostId, own, word)).toEqual(tenOf(text));
      } finally {
        await store.close();
      }
    });

    it("finds them for a word on more lines than are read by id, every key in the series index", async () => {
      const store = await open();
      try {
        const [own, other] = [newContainerId(), newContainerId()];
        // 31,000 lines elsewhere hold "viet timeout": the range is read with the index (SQLite: more
        // than the 20,000 read by id), and the 33,510 lines move every SQLite key into the series index.
        const hostId = await addHostWithLogs(store, "h", [
          ...Array.from({ length: 31_000 }, (_, i) => logLine(other, 1_000 + i, `viet timeout ${i}`)),
          ...ownLines(own, (i) => `${viet(i)} ${glyph(i)}`),
        ]);
        const both = tenOf((i) => `${viet(i)} ${glyph(i)}`);
        expect(await foundTexts(store, hostId, own, "viet")).toEqual(both);
        expect(await foundTexts(store, hostId, own, "VIỆT")).toEqual(both);
        expect(await foundTexts(store, hostId, own, "timeout")).toEqual(both);
      } finally {
        await store.close();
      }
    });
  },
);

describe("migration 20: SQLite's search index indexed again", () => {
  it("finds a file's old lines by their folded words", async () => {
    const path = join(dir, "v19.db");
    const id = newContainerId();
    const db = oldSchemaFile(path, logSearchWordsAsTheMatcherReadsThemMigration.version, id);
    const insert = db.prepare(
      "INSERT INTO log_lines (series, ts, server_offset_ms, stream, truncated, text) VALUES (1, ?, 0, 0, 0, ?)",
    );
    insert.run(1_000 * 1_000_000, "\x1b[32mViệt\x1b[0m Nam");
    insert.run(1_001 * 1_000_000, `${GLYPH}timeout`);
    // Newer lines, so that the search asks the index (lines put in by SQL here are in it only once
    // the migration has indexed every line again).
    for (let i = 0; i < 2_500; i++) insert.run((100_000 + i) * 1_000_000, `noise ${i}`);
    db.close();
    const store = await openSqliteStore(path);
    try {
      expect(await foundTexts(store, "h1", id, "viet")).toEqual(["\x1b[32mViệt\x1b[0m Nam"]);
      expect(await foundTexts(store, "h1", id, "nam")).toEqual(["\x1b[32mViệt\x1b[0m Nam"]);
      expect(await foundTexts(store, "h1", id, "timeout")).toEqual([`${GLYPH}timeout`]);
    } finally {
      await store.close();
    }
  });
});

describe("PostgreSQL migration 7: stored words cut at private-use characters", () => {
  it("finds a stored line's word after a glyph once the database is upgraded", async () => {
    const database = await createTestDatabase();
    try {
      const store = await openPostgresStore(database.url, 1);
      const own = newContainerId();
      let hostId: string;
      try {
        hostId = await addHostWithLogs(store, "h", ownLines(own, glyph));
      } finally {
        await store.close();
      }
      // Back to schema 6, the lines' words as it wrote them: the glyph kept in the word.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query(
          `UPDATE log_lines SET words = array_to_tsvector(ARRAY[lower(split_part(text, ' ', 1)), split_part(text, ' ', 2)])
           WHERE text LIKE $1`,
          [`${GLYPH}%`],
        );
        await client.query("DELETE FROM schema_migrations WHERE version = 7");
      } finally {
        await client.end();
      }
      const old = await openPostgresStore(database.url, 1);
      try {
        expect(await foundTexts(old, hostId, own, "timeout")).toEqual(tenOf(glyph));
      } finally {
        await old.close();
      }
    } finally {
      await database.drop();
    }
  });
});
