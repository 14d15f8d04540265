import type { LogLine, StoredLogLine } from "@crowsnest/protocol";
import { tsToNs } from "../../src/store/log-time.ts";
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
