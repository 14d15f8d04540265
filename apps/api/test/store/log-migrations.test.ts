import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { LogLine } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { msToTs } from "../../src/store/log-time.ts";
import { logIndexAfterLinesMigration } from "../../src/store/sqlite/migrations/016-log-index-after-lines.ts";
import { logBytesPerWriteMigration } from "../../src/store/sqlite/migrations/021-log-bytes-per-write.ts";
import { logSearchWithoutPrefixIndexMigration } from "../../src/store/sqlite/migrations/022-log-search-without-prefix-index.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { TelemetryWrite } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";
import { checkSearchIndex, foundTexts } from "./log-pages.ts";
import { oldSchemaFile } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-log-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Batch `seq` of `hostId`'s agent holding `lines`, as the store is given it. */
function logsBatch(hostId: string, lines: LogLine[], seq = 1): TelemetryWrite {
  return { kind: "batch", hostId, at: 5_000, message: { type: "logs", seq, lines, drops: [] } };
}

/**
 * A SQLite file of schema `version` - 1 (oldSchemaFile) holding one log line of host "h1", "old
 * upstream timeout" at 1 s, in the search index as that schema's server left it; its path and the
 * line's container.
 */
function fileWithOldLine(name: string, version: number): { path: string; id: string } {
  const path = join(dir, name);
  const id = newContainerId();
  const db = oldSchemaFile(path, version, id);
  db.prepare(
    "INSERT INTO log_lines (series, ts, server_offset_ms, stream, truncated, text) VALUES (1, ?, 0, 0, 0, ?)",
  ).run(1_000 * 1_000_000, "old upstream timeout");
  // From migration 16 on the writer indexes lines, not the insert trigger.
  if (version > logIndexAfterLinesMigration.version)
    db.prepare("INSERT INTO log_fts (rowid, text) SELECT id, text FROM log_lines").run();
  db.close();
  return { path, id };
}

/**
 * A file of schema 15, whose insert trigger indexed each line: upgraded, its old lines are still
 * found and forgotten when deleted, new lines are indexed by the writer once a write's lines are
 * in, and the index stays whole (FTS5's integrity check) through all of it.
 */
describe("migration 16: the writer indexes a write's log lines after them", () => {
  it("keeps old lines found, indexes new ones, and keeps the index whole", async () => {
    const { path, id } = fileWithOldLine("v15.db", logIndexAfterLinesMigration.version);

    const store = await openSqliteStore(path);
    try {
      expect(await foundTexts(store, "h1", id, "upstream")).toEqual(["old upstream timeout"]);
      await store.telemetry.write([
        logsBatch("h1", [
          logLine(id, 2_000, "new upstream reset"),
          logLine(id, 3_000, "\x1b[32mINFO\x1b[0m ready"),
        ]),
      ]);
      expect(await foundTexts(store, "h1", id, "upstream")).toEqual([
        "old upstream timeout",
        "new upstream reset",
      ]);
      expect(await foundTexts(store, "h1", id, "info")).toEqual(["\x1b[32mINFO\x1b[0m ready"]);
      checkSearchIndex(path);
      // The delete trigger takes old and new lines out of the index alike.
      expect(await store.retention.deleteLogsBefore(msToTs(2_500), 10)).toBe(2);
      expect(await foundTexts(store, "h1", id, "upstream")).toEqual([]);
      expect(await foundTexts(store, "h1", id, "info")).toEqual(["\x1b[32mINFO\x1b[0m ready"]);
    } finally {
      await store.close();
    }
    checkSearchIndex(path);
  });
});

/**
 * A file of schema 20, whose insert trigger added each line's bytes to its host: upgraded, the
 * writer adds a write's lines once per host (not twice, trigger and writer), deleting takes them
 * off again, and every line of a write that holds several hosts' batches is in the search index,
 * which stays whole (FTS5's integrity check).
 */
describe("migration 21: a host's log bytes grow once per write", () => {
  it("keeps the old count, adds new lines once per host, and indexes every line of the write", async () => {
    const { path, id } = fileWithOldLine("v20.db", logBytesPerWriteMigration.version);

    const store = await openSqliteStore(path);
    try {
      expect(await store.retention.hostsOverLogCap(0)).toEqual([{ hostId: "h1", excessBytes: 20 }]);
      const other = (await store.hosts.create("other", 0, anyCredential())).id;
      const otherId = newContainerId();
      await store.telemetry.write([
        logsBatch("h1", [logLine(id, 2_000, "new upstream reset"), logLine(id, 3_000, "é upstream")]),
        logsBatch(other, [logLine(otherId, 2_500, "other upstream")]),
      ]);
      const over = await store.retention.hostsOverLogCap(0);
      expect(over).toHaveLength(2);
      expect(over).toEqual(
        expect.arrayContaining([
          { hostId: "h1", excessBytes: 20 + 18 + 11 },
          { hostId: other, excessBytes: 14 },
        ]),
      );
      expect(await foundTexts(store, "h1", id, "upstream")).toEqual([
        "old upstream timeout",
        "new upstream reset",
        "é upstream",
      ]);
      expect(await foundTexts(store, other, otherId, "upstream")).toEqual(["other upstream"]);
      expect(await store.retention.deleteLogsBefore(msToTs(2_600), 10)).toBe(3);
      expect(await store.retention.hostsOverLogCap(0)).toEqual([{ hostId: "h1", excessBytes: 11 }]);
      expect(await foundTexts(store, "h1", id, "upstream")).toEqual(["é upstream"]);
      // A later write indexes its own lines only (the check against the lines below finds one indexed twice).
      await store.telemetry.write([logsBatch("h1", [logLine(id, 4_000, "later upstream")], 2)]);
      expect(await foundTexts(store, "h1", id, "upstream")).toEqual(["é upstream", "later upstream"]);
      expect(await store.retention.hostsOverLogCap(0)).toEqual([{ hostId: "h1", excessBytes: 25 }]);
    } finally {
      await store.close();
    }
    checkSearchIndex(path, true);
  });
});

/**
 * The ids of the lines the SQLite file's search index holds under a word starting with `prefix`,
 * as the store's prefix search asks it (logs.ts), in id order.
 */
function indexedUnder(path: string, prefix: string): number[] {
  const db = new DatabaseSync(path);
  try {
    const rows = db
      .prepare("SELECT rowid FROM log_fts WHERE log_fts MATCH ? ORDER BY rowid")
      .all(`"${prefix}"*`);
    return rows.map((row) => Number(row.rowid));
  } finally {
    db.close();
  }
}

/**
 * A file of schema 21, whose search index kept a 3-character prefix index: upgraded, its index is
 * made again without one and holds every line, old and new, under words started with two, three or
 * more of their characters, cut and folded as before (an old line's colour codes are not part of
 * its words, "ệ" is folded to "e": migration 20), and whole as FTS5 checks it.
 */
describe("migration 22: the search index keeps no prefix index", () => {
  it("indexes the old lines again and finds every line by a word's start", async () => {
    const { path, id } = fileWithOldLine("v21.db", logSearchWithoutPrefixIndexMigration.version);
    const old = new DatabaseSync(path);
    old
      .prepare(
        "INSERT INTO log_lines (series, ts, server_offset_ms, stream, truncated, text) VALUES (1, ?, 0, 0, 0, ?)",
      )
      .run(1_500 * 1_000_000, "\x1b[32mINFO\x1b[0m Việt ready");
    old.close();

    const store = await openSqliteStore(path);
    try {
      await store.telemetry.write([logsBatch("h1", [logLine(id, 2_000, "new upstream reset")])]);
    } finally {
      await store.close();
    }
    for (const prefix of ["up", "ups", "upstr"]) expect(indexedUnder(path, prefix)).toEqual([1, 3]);
    expect(indexedUnder(path, "tim")).toEqual([1]);
    expect(indexedUnder(path, "info")).toEqual([2]);
    expect(indexedUnder(path, "viet")).toEqual([2]);
    checkSearchIndex(path);
    const db = new DatabaseSync(path);
    try {
      const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'log_fts'").get() as {
        sql: string;
      };
      expect(sql).not.toMatch(/prefix/);
    } finally {
      db.close();
    }
  });
});
