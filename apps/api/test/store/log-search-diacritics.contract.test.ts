import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { logSearchFoldsAllDiacriticsMigration } from "../../src/store/sqlite/migrations/020-log-search-folds-all-diacritics.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { BACKENDS } from "./backends.ts";
import { addHostWithLogs } from "./log-pages.ts";
import { oldSchemaFile } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-log-diacritics-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Ten lines of a word with two diacritics on one letter ("ệ"), then newer lines without it. */
function ownLines(id: string) {
  return [
    ...Array.from({ length: 10 }, (_, i) => logLine(id, 1_000 + i, `Việt Nam ${i}`)),
    // More than the 2,000 newest lines a prefix search reads before it asks its index.
    ...Array.from({ length: 2_500 }, (_, i) => logLine(id, 100_000 + i, `noise ${i}`)),
  ];
}

async function found(store: Store, hostId: string, containerId: string, word: string): Promise<string[]> {
  const page = await store.logs.query({
    hostId,
    containerId,
    from: msToTs(0),
    to: msToTsEnd(10_000_000),
    words: [word],
    stream: null,
    limit: 100,
    before: null,
  });
  return page.lines.map((line) => line.text);
}

const VIET = Array.from({ length: 10 }, (_, i) => `Việt Nam ${i}`);

/**
 * A search folds every accent, on a letter with two as on one: "viet" finds "Việt" wherever the
 * line is, through the word index as through the search's own check of the newest lines. SQLite's
 * index once kept "việt" (`remove_diacritics 1`), so such a line was found only while the scan
 * read it (migration 20).
 */
describe.each(BACKENDS)("Store contract, a search folds every diacritic ($name)", ({ open }) => {
  it("finds a word with two diacritics on a letter through the index, for a word on few lines", async () => {
    const store = await open();
    try {
      const own = newContainerId();
      const hostId = await addHostWithLogs(store, "h", ownLines(own));
      expect(await found(store, hostId, own, "viet")).toEqual(VIET);
    } finally {
      await store.close();
    }
  });

  it("finds it for a word on more lines than are read by id, every key in the series index", async () => {
    const store = await open();
    try {
      const [own, other] = [newContainerId(), newContainerId()];
      // 31,000 lines elsewhere hold "viet": the range is read with the index (SQLite: more than the
      // 20,000 read by id), and the 33,510 lines move every SQLite key into the series index.
      const hostId = await addHostWithLogs(store, "h", [
        ...Array.from({ length: 31_000 }, (_, i) => logLine(other, 1_000 + i, `viet ${i}`)),
        ...ownLines(own),
      ]);
      expect(await found(store, hostId, own, "viet")).toEqual(VIET);
      expect(await found(store, hostId, own, "VIỆT")).toEqual(VIET);
    } finally {
      await store.close();
    }
  });
});

describe("migration 20: SQLite's search index indexed again", () => {
  it("finds a file's old lines by their folded words", async () => {
    const path = join(dir, "v19.db");
    const id = newContainerId();
    const db = oldSchemaFile(path, logSearchFoldsAllDiacriticsMigration.version, id);
    const insert = db.prepare(
      "INSERT INTO log_lines (series, ts, server_offset_ms, stream, truncated, text) VALUES (1, ?, 0, 0, 0, ?)",
    );
    insert.run(1_000 * 1_000_000, "\x1b[32mViệt\x1b[0m Nam");
    // Newer lines, so that the search asks the index (lines put in by SQL here are in it only once
    // the migration has indexed every line again).
    for (let i = 0; i < 2_500; i++) insert.run((100_000 + i) * 1_000_000, `noise ${i}`);
    db.close();
    const store = await openSqliteStore(path);
    try {
      expect(await found(store, "h1", id, "viet")).toEqual(["\x1b[32mViệt\x1b[0m Nam"]);
      expect(await found(store, "h1", id, "nam")).toEqual(["\x1b[32mViệt\x1b[0m Nam"]);
    } finally {
      await store.close();
    }
  });
});
