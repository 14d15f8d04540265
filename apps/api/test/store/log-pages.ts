import { DatabaseSync } from "node:sqlite";
import type { LogLine, StoredLogLine } from "@crowsnest/protocol";
import { msToTs, msToTsEnd, tsToNs } from "../../src/store/log-time.ts";
import type { LogQuery, Store } from "../../src/store/store.ts";
import { anyCredential } from "./backends.ts";

/** Lines per log batch that addHostWithLogs writes, within an agent batch's LIMITS.logLinesPerBatch. */
const LINES_PER_WRITE = 5_000;

/**
 * Creates a host named `name` in `store` and writes `lines` as its logs, in batches of
 * LINES_PER_WRITE lines with seq 1, 2, … as its agent sends them; resolves to the host's id. For
 * the log-search contracts' stores of more than 20,000 lines, where a word is on so many lines
 * that the SQLite store reads its range rather than its lines by id.
 */
export async function addHostWithLogs(
  store: Store,
  name: string,
  lines: readonly LogLine[],
): Promise<string> {
  const hostId = (await store.hosts.create(name, 1_000, anyCredential())).id;
  for (let i = 0, seq = 1; i < lines.length; i += LINES_PER_WRITE, seq++) {
    await store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: 1,
        message: { type: "logs", seq, lines: lines.slice(i, i + LINES_PER_WRITE), drops: [] },
      },
    ]);
  }
  return hostId;
}

/**
 * Every line `query` finds, newest first, read page by page as a client does (each page's `next`
 * as the following page's `before`, until it is null). A store whose cursor never ends fails after
 * `maxPages` pages rather than hanging the test.
 */
export async function pageThrough(
  store: Store,
  query: Omit<LogQuery, "before">,
  maxPages: number,
): Promise<StoredLogLine[]> {
  const lines: StoredLogLine[] = [];
  let before: LogQuery["before"] = null;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await store.logs.query({ ...query, before });
    lines.push(...page.lines.toReversed()); // a page holds its lines oldest first
    if (page.next === null) return lines;
    before = page.next;
  }
  throw new Error(`still a next page after ${maxPages} pages`);
}

/** Whether `lines` are strictly newest first by (ts, id): no line twice, none out of order. */
export function strictlyNewestFirst(lines: readonly StoredLogLine[]): boolean {
  return lines.every((line, i) => {
    const newer = lines[i - 1];
    if (newer === undefined) return true;
    const [ts, newerTs] = [tsToNs(line.ts), tsToNs(newer.ts)];
    return ts < newerTs || (ts === newerTs && Number(line.id) < Number(newer.id));
  });
}

/**
 * The texts of the lines of one container that a search for `word` finds (at most 100, newest
 * last as the store returns them), over all time.
 */
export async function foundTexts(
  store: Store,
  hostId: string,
  containerId: string,
  word: string,
): Promise<string[]> {
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

/**
 * FTS5's own check of the SQLite file's `log_fts`; throws if damaged. Its structure alone by
 * default; with `againstLines`, also that it holds each line of `log_lines` once, as their text
 * reads, which only holds where every line's search text (crowsnest_search_text, which FTS5 does
 * not know of) is its text: no colour codes or private-use characters.
 */
export function checkSearchIndex(path: string, againstLines = false): void {
  const db = new DatabaseSync(path);
  try {
    db.exec(`INSERT INTO log_fts (log_fts, rank) VALUES ('integrity-check', ${againstLines ? 1 : 0})`);
  } finally {
    db.close();
  }
}
