import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { LogLine, StoredLogLine } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { LOG_INDEX_BULK } from "../../src/store/sqlite/telemetry-writer.ts";
import type { LogQuery, Store } from "../../src/store/store.ts";
import { anyCredential } from "../store/backends.ts";
import { pageThrough, strictlyNewestFirst } from "../store/log-pages.ts";
import { countRows } from "../store/old-schema-file.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-review2-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = 1_000_000;

async function writeLines(
  store: Store,
  hostId: string,
  lines: readonly LogLine[],
  seq: number,
): Promise<number> {
  for (let i = 0; i < lines.length; i += 4_000, seq++) {
    await store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: T0,
        message: { type: "logs", seq, lines: lines.slice(i, i + 4_000), drops: [] },
      },
    ]);
  }
  return seq;
}
function q(hostId: string, containerId: string, rest: Partial<LogQuery> = {}): Omit<LogQuery, "before"> {
  return {
    hostId,
    containerId,
    from: msToTs(0),
    to: msToTsEnd(100 * T0),
    words: [],
    stream: null,
    limit: 100,
    ...rest,
  };
}
const texts = (lines: readonly StoredLogLine[]) => lines.map((l) => l.text);

describe("review2: reads over log_series_pending + log_series_index", () => {
  it("a key in both tables (hand repair) before the move: the line is read twice", async () => {
    const path = join(dir, "dup.db");
    const store = await openSqliteStore(path);
    try {
      const hostId = (await store.hosts.create("h", T0, anyCredential())).id;
      const a = newContainerId();
      await writeLines(
        store,
        hostId,
        Array.from({ length: 10 }, (_, k) => logLine(a, T0 + k, `line ${k}`)),
        1,
      );
      const repair = new DatabaseSync(path);
      repair.exec(
        "INSERT INTO log_series_index SELECT series, ts, id FROM log_series_pending WHERE ts = (SELECT max(ts) - 5000000 FROM log_series_pending)",
      );
      repair.close();
      const plain = await store.logs.query({ ...q(hostId, a), before: null });
      const few = await store.logs.query({ ...q(hostId, a, { words: ["line"] }), before: null });
      const paged = await pageThrough(store, q(hostId, a, { limit: 3 }), 100);
      console.log(
        "plain",
        plain.lines.length,
        texts(plain.lines),
        "few-path",
        few.lines.length,
        "paged(limit 3)",
        texts(paged),
      );
      expect.soft(plain.lines.length).toBe(10);
      expect.soft(strictlyNewestFirst(plain.lines.toReversed())).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("index step: a line findLogMatches finds but FTS (remove_diacritics 1) misses is returned while pending, not once moved; ties across tables page right", async () => {
    const path = join(dir, "viet.db");
    const store = await openSqliteStore(path);
    try {
      const hostId = (await store.hosts.create("h", T0, anyCredential())).id;
      const [a, b, c, t] = [newContainerId(), newContainerId(), newContainerId(), newContainerId()];
      // "viet" on > 20,000 lines of the store (container b): not the few-matches path.
      const common = Array.from({ length: 21_000 }, (_, k) => logLine(b, T0 + k, `viet common ${k}`));
      // Container a: 10 "Việt" lines, then 2,500 newer lines without the word (the probe finds nothing).
      const viet = Array.from({ length: 10 }, (_, k) => logLine(a, T0 + k, `Việt Nam ${k}`));
      const noise = Array.from({ length: 2_500 }, (_, k) => logLine(a, T0 + 100 + k, `noise ${k}`));
      // Container t: 40 lines of one ts, some stderr (moved later), then 40 more of that ts (pending).
      const tie1 = Array.from({ length: 40 }, (_, k) =>
        logLine(t, T0 + 5, `tie first ${k}`, k % 3 === 0 ? "stderr" : "stdout"),
      );
      let seq = await writeLines(store, hostId, [...common, ...viet, ...noise, ...tie1], 1);
      expect(countRows(path, "log_series_index")).toBe(0);
      const pendingRead = await store.logs.query({ ...q(hostId, a, { words: ["viet"] }), before: null });
      const filler = Array.from({ length: LOG_INDEX_BULK }, (_, k) => logLine(c, T0 + k, `filler ${k}`));
      seq = await writeLines(store, hostId, filler, seq);
      const tie2 = Array.from({ length: 40 }, (_, k) =>
        logLine(t, T0 + 5, `tie second ${k}`, k % 3 === 0 ? "stderr" : "stdout"),
      );
      seq = await writeLines(store, hostId, tie2, seq);
      console.log(
        "index/pending counts",
        countRows(path, "log_series_index"),
        countRows(path, "log_series_pending"),
      );
      const movedRead = await store.logs.query({ ...q(hostId, a, { words: ["viet"] }), before: null });
      console.log(
        "pending:",
        pendingRead.lines.length,
        pendingRead.next,
        pendingRead.scanned,
        "moved:",
        movedRead.lines.length,
        movedRead.next,
        movedRead.scanned,
      );
      expect.soft(texts(pendingRead.lines)).toEqual(texts(movedRead.lines));

      const all = [...tie1, ...tie2];
      const expected = all.map((l) => l.text).toReversed();
      for (const limit of [1, 7, 39, 40, 41]) {
        expect(texts(await pageThrough(store, q(hostId, t, { limit }), 200))).toEqual(expected);
        expect(texts(await pageThrough(store, q(hostId, t, { limit, stream: "stderr" }), 200))).toEqual(
          all
            .filter((l) => l.stream === "stderr")
            .map((l) => l.text)
            .toReversed(),
        );
        expect(texts(await pageThrough(store, q(hostId, t, { limit, words: ["tie"] }), 200))).toEqual(
          expected,
        );
        expect(texts(await pageThrough(store, q(hostId, t, { limit, words: ["second"] }), 200))).toEqual(
          tie2.map((l) => l.text).toReversed(),
        );
      }
      for (const scanLines of [1, 5, 40]) {
        const lines = await pageThrough(store, q(hostId, t, { scanLines, stream: "stdout" }), 500);
        expect(texts(lines)).toEqual(
          all
            .filter((l) => l.stream === "stdout")
            .map((l) => l.text)
            .toReversed(),
        );
        const first = await store.logs.query({
          ...q(hostId, t, { scanLines, stream: "stdout" }),
          before: null,
        });
        console.log(
          "scanLines",
          scanLines,
          "page",
          first.lines.length,
          "scanned",
          first.scanned,
          "next",
          first.next,
        );
      }
    } finally {
      await store.close();
    }
  });
});
