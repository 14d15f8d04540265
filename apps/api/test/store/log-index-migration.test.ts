import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { logIndexAfterLinesMigration } from "../../src/store/sqlite/migrations/016-log-index-after-lines.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { oldSchemaFile } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-log-index-migration-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * FTS5's own check of `log_fts`' structure; throws if damaged (not against `log_lines`' text: the
 * index holds each line's search text, crowsnest_search_text, which FTS5 does not know of).
 */
function checkSearchIndex(path: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec("INSERT INTO log_fts (log_fts) VALUES ('integrity-check')");
  } finally {
    db.close();
  }
}

async function found(store: Store, containerId: string, word: string): Promise<string[]> {
  const page = await store.logs.query({
    hostId: "h1",
    containerId,
    from: msToTs(0),
    to: msToTsEnd(10_000_000),
    words: [word],
    stream: null,
    limit: 10,
    before: null,
  });
  return page.lines.map((line) => line.text);
}

/**
 * A file of schema 15, whose insert trigger indexed each line: upgraded, its old lines are still
 * found and forgotten when deleted, new lines are indexed by the writer once a write's lines are
 * in, and the index stays whole (FTS5's integrity check) through all of it.
 */
describe("migration 16: the writer indexes a write's log lines after them", () => {
  it("keeps old lines found, indexes new ones, and keeps the index whole", async () => {
    const path = join(dir, "v15.db");
    const id = newContainerId();
    const db = oldSchemaFile(path, logIndexAfterLinesMigration.version, id);
    db.prepare(
      "INSERT INTO log_lines (series, ts, server_offset_ms, stream, truncated, text) VALUES (1, ?, 0, 0, 0, ?)",
    ).run(1_000 * 1_000_000, "old upstream timeout");
    db.close();

    const store = await openSqliteStore(path);
    try {
      expect(await found(store, id, "upstream")).toEqual(["old upstream timeout"]);
      await store.telemetry.write([
        {
          kind: "batch",
          hostId: "h1",
          at: 5_000,
          message: {
            type: "logs",
            seq: 1,
            lines: [
              logLine(id, 2_000, "new upstream reset"),
              logLine(id, 3_000, "\x1b[32mINFO\x1b[0m ready"),
            ],
            drops: [],
          },
        },
      ]);
      expect(await found(store, id, "upstream")).toEqual(["old upstream timeout", "new upstream reset"]);
      expect(await found(store, id, "info")).toEqual(["\x1b[32mINFO\x1b[0m ready"]);
      checkSearchIndex(path);
      // The delete trigger takes old and new lines out of the index alike.
      expect(await store.retention.deleteLogsBefore(msToTs(2_500), 10)).toBe(2);
      expect(await found(store, id, "upstream")).toEqual([]);
      expect(await found(store, id, "info")).toEqual(["\x1b[32mINFO\x1b[0m ready"]);
    } finally {
      await store.close();
    }
    checkSearchIndex(path);
  });
});
