import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { LogLine, StoredLogLine } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { logSeriesIndexInBulkMigration } from "../../src/store/sqlite/migrations/019-log-series-index-in-bulk.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { LOG_INDEX_BULK, LOG_INDEX_SLICES } from "../../src/store/sqlite/telemetry-writer.ts";
import type { LogQuery, Store } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential } from "./backends.ts";
import { pageThrough } from "./log-pages.ts";
import { countRows, oldSchemaFile } from "./old-schema-file.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-log-series-index-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_000_000;
const LINES_PER_WRITE = 4_000;

/** Writes `lines` as host `hostId`'s log batches from `seq` on, LINES_PER_WRITE a batch; returns the next seq. */
async function writeLines(
  store: Store,
  hostId: string,
  lines: readonly LogLine[],
  seq: number,
): Promise<number> {
  for (let i = 0; i < lines.length; i += LINES_PER_WRITE, seq++) {
    await store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: T0,
        message: { type: "logs", seq, lines: lines.slice(i, i + LINES_PER_WRITE), drops: [] },
      },
    ]);
  }
  return seq;
}

function query(hostId: string, containerId: string, rest: Partial<LogQuery> = {}): Omit<LogQuery, "before"> {
  return {
    hostId,
    containerId,
    from: msToTs(0),
    to: msToTsEnd(10 * T0),
    words: [],
    stream: null,
    limit: 700,
    ...rest,
  };
}

/** The texts of `lines` (as written, in write order) newest first by time, then by write order. */
function newestFirst(lines: readonly LogLine[]): string[] {
  return lines
    .map((line, order) => ({ line, order }))
    .toSorted((a, b) => b.line.ts.localeCompare(a.line.ts) || b.order - a.order)
    .map(({ line }) => line.text);
}

const texts = (lines: readonly StoredLogLine[]) => lines.map((line) => line.text);

/** The largest id in `log_lines` (0 when empty). */
function maxLineId(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT coalesce(max(id), 0) AS id FROM log_lines").get() as { id: number }).id;
  } finally {
    db.close();
  }
}

/** Keys in both tables: none, but in a file repaired by hand. */
const KEYS_IN_BOTH = "log_series_index JOIN log_series_pending USING (series, ts, id)";

/** Lines whose key is in one table or both (until its slice moves, a key repaired by hand is in both). */
const keysStored = (path: string) => keyRows(path)[0] + keyRows(path)[1] - countRows(path, KEYS_IN_BOTH);

/** The key tables' rows: [index, pending]. */
const keyRows = (path: string): [number, number] => [
  countRows(path, "log_series_index"),
  countRows(path, "log_series_pending"),
];

/**
 * Migration 19: a line's key goes to `log_series_pending` as it is stored, and the writer moves the
 * pending keys of a slice of the series ids into `log_series_index` each LOG_INDEX_BULK /
 * LOG_INDEX_SLICES lines, the slices in turn. Reads, retention and host deletion take the lines of
 * both; keys an earlier writer left pending move as their slices come round.
 */
describe("the log lines' series index, filled in bulk (SQLite)", () => {
  it("moves keys a slice of the series at a time, reads both tables in time order, deletes from both, and moves what a writer left pending", async () => {
    const path = join(dir, "bulk.db");
    // More containers than slices, a slice holding a few series, and the top series at a slice's
    // top: the last one's keys are moved too. A quarter more join once the first round's slices are
    // set (at the first move, at the end of the write that passes 8,192 lines): above the top
    // slice's width, which takes them too.
    const containers = Array.from({ length: 3 * LOG_INDEX_SLICES + 12 }, () => newContainerId());
    const JOIN_AT = 3 * LINES_PER_WRITE;
    const [a, b] = containers as [string, string];
    const read = [a, b, containers.at(-1) as string];
    // Lines 2 ms apart, every seventh on stderr, all with "line", a few with "rare".
    const line = (k: number, t: number, tag: string) =>
      logLine(
        containers[k % (k < JOIN_AT ? 3 * LOG_INDEX_SLICES : containers.length)] as string,
        t,
        `line ${tag}${k}${k % 1_000 === 0 ? " rare" : ""}`,
        k % 7 === 0 ? "stderr" : "stdout",
      );
    // A round of the slices and a few writes: keys of the first writes must have moved by its end.
    const first = Array.from({ length: LOG_INDEX_BULK + 4 * LINES_PER_WRITE }, (_, k) =>
      line(k, T0 + 2 * k, "a"),
    );
    // Late lines between the first ones, whose keys go where their series' slice is by then.
    const late = Array.from({ length: 6_000 }, (_, k) => line(k, T0 + 2 * (5 * k) + 1, "b"));

    let store = await openSqliteStore(path);
    let seq = 1;
    let hostId: string;
    try {
      hostId = (await store.hosts.create("h", T0, anyCredential())).id;
      // Write by write: each line's key is in one table, and the pending ones stay about a bulk.
      let moved = 0;
      for (let i = 0; i < first.length; i += LINES_PER_WRITE) {
        seq = await writeLines(store, hostId, first.slice(i, i + LINES_PER_WRITE), seq);
        const [index, pending] = keyRows(path);
        expect(index + pending).toBe(Math.min(i + LINES_PER_WRITE, first.length));
        expect(pending).toBeLessThanOrEqual(LOG_INDEX_BULK);
        // Every series' slice comes round: no key waits more than a round of the slices.
        expect(countRows(path, `log_series_pending WHERE id <= ${maxLineId(path) - LOG_INDEX_BULK}`)).toBe(0);
        expect(index).toBeGreaterThanOrEqual(moved);
        moved = index;
      }
      // Moved in slices, not all at once: by now both tables hold keys.
      expect(keyRows(path).every((n) => n > 0)).toBe(true);
      expect(countRows(path, KEYS_IN_BOTH)).toBe(0);
      // A key in both tables (a file repaired by hand) does not stop a move, nor every write after it…
      const repair = new DatabaseSync(path);
      repair.exec("INSERT INTO log_series_index SELECT series, ts, id FROM log_series_pending LIMIT 1");
      repair.close();
      // …and is read once until then.
      expect(texts(await pageThrough(store, query(hostId, a, { limit: 50_000 }), 2))).toEqual(
        newestFirst(first.filter((l) => l.containerId === a)),
      );
      seq = await writeLines(store, hostId, late, seq);

      const all = [...first, ...late];
      for (const id of read) {
        const own = all.filter((l) => l.containerId === id);
        expect(texts(await pageThrough(store, query(hostId, id), 100))).toEqual(newestFirst(own));
        expect(texts(await pageThrough(store, query(hostId, id, { stream: "stderr" }), 100))).toEqual(
          newestFirst(own.filter((l) => l.stream === "stderr")),
        );
        // "line" is on more lines than are read by id; "rare" on few.
        expect(texts(await pageThrough(store, query(hostId, id, { words: ["line"] }), 100))).toEqual(
          newestFirst(own),
        );
        expect(texts(await pageThrough(store, query(hostId, id, { words: ["rare"] }), 100))).toEqual(
          newestFirst(own.filter((l) => l.text.endsWith("rare"))),
        );
      }

      // Retention by time takes lines of both tables, and their keys with them.
      const cut = T0 + 2 * 3_000;
      const older = all.filter((l) => Date.parse(l.ts) < cut);
      expect(older.filter((l) => l.text.startsWith("line b")).length).toBeGreaterThan(0);
      let deleted = 0;
      for (let n = -1; n !== 0; deleted += n) n = await store.retention.deleteLogsBefore(msToTs(cut), 1_000);
      expect(deleted).toBe(older.length);
      const kept = all.filter((l) => Date.parse(l.ts) >= cut);
      expect(texts(await pageThrough(store, query(hostId, a), 100))).toEqual(
        newestFirst(kept.filter((l) => l.containerId === a)),
      );
      expect(keysStored(path)).toBe(kept.length);
      // Retention by the host's bytes takes the oldest received first: what is left of `first`.
      const oldestTwo = kept.filter((l) => l.text.startsWith("line a")).slice(0, 2);
      const bytes = oldestTwo.reduce((sum, l) => sum + Buffer.byteLength(l.text), 0);
      expect(await store.retention.deleteOldestLogs(hostId, bytes, 100)).toBe(2);
      expect(countRows(path, "log_lines")).toBe(kept.length - 2);
    } finally {
      await store.close();
    }

    // A new writer moves the keys left pending as their slices come round: within a bulk of lines.
    const [, leftPending] = keyRows(path);
    expect(leftPending).toBeGreaterThan(0);
    const lastBefore = maxLineId(path);
    store = await openSqliteStore(path);
    try {
      const more = Array.from({ length: LOG_INDEX_BULK }, (_, k) => line(k, 9 * T0 + k, "d"));
      await writeLines(store, hostId, more, seq);
      expect(countRows(path, `log_series_pending WHERE id <= ${lastBefore}`)).toBe(0);
      expect(keyRows(path).reduce((sum, n) => sum + n, 0)).toBe(countRows(path, "log_lines"));
      expect(countRows(path, KEYS_IN_BOTH)).toBe(0);

      // Deleting the host takes its lines and their keys.
      await store.hosts.delete(hostId);
      expect(["log_lines", "log_series_index", "log_series_pending"].map((t) => countRows(path, t))).toEqual([
        0, 0, 0,
      ]);
    } finally {
      await store.close();
    }
  });

  it("keeps the pending keys within a bulk when its writer restarts more often than a round of the slices", async () => {
    const path = join(dir, "restarts.db");
    const containers = Array.from({ length: 2 * LOG_INDEX_SLICES + 5 }, () => newContainerId());
    // Each writer moves two slices before it closes: alone, the slices would never reach the rest.
    const perWriter = 5 * LINES_PER_WRITE;
    expect(perWriter).toBeLessThan(LOG_INDEX_BULK / 4);
    let hostId = "";
    let seq = 1;
    let firstWriters = 0;
    for (let writer = 0; writer < 9; writer++) {
      const store = await openSqliteStore(path);
      try {
        if (writer === 0) hostId = (await store.hosts.create("h", T0, anyCredential())).id;
        for (let w = 0; w < perWriter; w += LINES_PER_WRITE) {
          const lines = Array.from({ length: LINES_PER_WRITE }, (_, k) => {
            const n = writer * perWriter + w + k;
            return logLine(containers[n % containers.length] as string, T0 + n, `line ${n}`);
          });
          seq = await writeLines(store, hostId, lines, seq);
          expect(keyRows(path)[1]).toBeLessThanOrEqual(LOG_INDEX_BULK);
        }
      } finally {
        await store.close();
      }
      if (writer === 0) firstWriters = maxLineId(path);
    }
    // The first writer's keys are all in the index by now, and every line's key in one table.
    expect(countRows(path, `log_series_pending WHERE id <= ${firstWriters}`)).toBe(0);
    expect(keyRows(path).reduce((sum, n) => sum + n, 0)).toBe(countRows(path, "log_lines"));
  });

  it("counts no line of a rolled back write towards the next slice's move", async () => {
    const path = join(dir, "rollback.db");
    const containers = Array.from({ length: 10 }, () => newContainerId());
    let store = await openSqliteStore(path);
    const hostId = (await store.hosts.create("h", T0, anyCredential())).id;
    await store.close();
    // A line SQLite refuses fails its whole write, after the lines before it are in.
    const db = new DatabaseSync(path);
    db.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON log_lines WHEN NEW.text = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    db.close();
    store = await openSqliteStore(path);
    try {
      // Three writes rolled back: more lines than a slice's move waits for, were they counted.
      const refused = Array.from({ length: LINES_PER_WRITE }, (_, k) =>
        logLine(
          containers[k % containers.length] as string,
          T0 + k,
          k === LINES_PER_WRITE - 1 ? "refused" : "ok",
        ),
      );
      expect(3 * LINES_PER_WRITE).toBeGreaterThan(LOG_INDEX_BULK / LOG_INDEX_SLICES);
      for (let seq = 1; seq <= 3; seq++)
        await expect(writeLines(store, hostId, refused, seq)).rejects.toThrow(/refused/);
      expect(countRows(path, "log_lines")).toBe(0);
      // Ten lines on ten series (a slice each, the first one's series 1): none moved yet.
      await writeLines(
        store,
        hostId,
        containers.map((id, k) => logLine(id, T0 + k, `line ${k}`)),
        4,
      );
      expect(keyRows(path)).toEqual([0, containers.length]);
    } finally {
      await store.close();
    }
  });

  it("upgrades a file of schema 18: its lines go to the series index, read in time order", async () => {
    const path = join(dir, "v18.db");
    const id = newContainerId();
    const db = oldSchemaFile(path, logSeriesIndexInBulkMigration.version, id);
    const insert = db.prepare(
      "INSERT INTO log_lines (series, ts, server_offset_ms, stream, truncated, text) VALUES (1, ?, 0, 0, 0, ?)",
    );
    // Inserted out of time order, as late lines arrive.
    for (const [ms, text] of [
      [3_000, "third"],
      [1_000, "first"],
      [2_000, "second"],
    ] as const)
      insert.run(ms * 1_000_000, text);
    db.close();

    const store = await openSqliteStore(path);
    try {
      expect([countRows(path, "log_series_index"), countRows(path, "log_series_pending")]).toEqual([3, 0]);
      expect(texts(await pageThrough(store, query("h1", id, { to: msToTsEnd(10_000) }), 10))).toEqual([
        "third",
        "second",
        "first",
      ]);
      const check = new DatabaseSync(path, { readOnly: true });
      try {
        expect(check.prepare("SELECT name FROM sqlite_schema WHERE name = 'log_lines_series'").all()).toEqual(
          [],
        );
      } finally {
        check.close();
      }
    } finally {
      await store.close();
    }
  });
});
