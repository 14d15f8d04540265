import type { StoredLogLine } from "@crowsnest/protocol";
import { tsToNs } from "../../src/store/log-time.ts";
import type { LogQuery, Store } from "../../src/store/store.ts";

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
