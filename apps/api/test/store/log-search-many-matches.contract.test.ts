import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import type { LogQuery, Store } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { BACKENDS } from "./backends.ts";
import { addHostWithLogs, pageThrough } from "./log-pages.ts";

/** More lines hold the word in another container than the SQLite store reads by id (20,000). */
const OTHER_MATCHES = 21_000;
const OWN_MATCHES = 250;
/** Newer lines without the word: more than the 2,000 a prefix search reads before it asks its index. */
const OWN_NEWER = 3_000;

/**
 * A prefix search whose word is on many lines of the store but few of the container's, older than
 * its newest lines: the page is the container's newest matches, whichever way the backend reads
 * them (on SQLite, a word on more than 20,000 lines is searched by reading the range newest first).
 * The PostgreSQL store once repeated lines on this page (needle 227–249, then 118–249): it sorted
 * lines by their time in ns as text, where 1,249 ms ("1249000000") is later than 10,000 ms.
 */
describe.each(BACKENDS)(
  "Store contract, log search for a word on many lines elsewhere ($name)",
  ({ open }) => {
    let store: Store;
    let hostId: string;
    const own = newContainerId();
    const other = newContainerId();
    // Written once: the cases only read.
    beforeAll(async () => {
      store = await open();
      hostId = await addHostWithLogs(store, "h", [
        ...Array.from({ length: OWN_MATCHES }, (_, i) => logLine(own, 1_000 + i, `needle ${i}`)),
        ...Array.from({ length: OWN_NEWER }, (_, i) => logLine(own, 10_000 + i, `hay ${i}`)),
        ...Array.from({ length: OTHER_MATCHES }, (_, i) => logLine(other, 1_000 + i, `needle ${i}`)),
      ]);
    });
    afterAll(async () => {
      await store.close();
    });

    const queryOf = (more: Partial<LogQuery> = {}): Omit<LogQuery, "before"> => ({
      hostId,
      containerId: own,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2100-01-01")),
      words: ["needle"],
      stream: null,
      limit: 200,
      ...more,
    });

    it("pages through the container's matches newest first", async () => {
      const query = queryOf();
      // A page holds its lines oldest first: here the newest 200 matches.
      const first = await store.logs.query({ ...query, before: null });
      expect(first.lines.map((l) => l.text)).toEqual(
        Array.from({ length: 200 }, (_, i) => `needle ${OWN_MATCHES - 200 + i}`),
      );
      expect(first.next).not.toBeNull();
      const second = await store.logs.query({ ...query, before: first.next });
      expect(second.lines.map((l) => l.text)).toEqual(
        Array.from({ length: OWN_MATCHES - 200 }, (_, i) => `needle ${i}`),
      );
      expect(second.next).toBeNull();
    });

    it("gives each match once, newest first, by word start or anywhere, in any case or exactly", async () => {
      const newestFirst = Array.from({ length: OWN_MATCHES }, (_, i) => `needle ${OWN_MATCHES - 1 - i}`);
      for (const mode of [
        { match: "prefix", caseSensitive: false },
        { match: "prefix", caseSensitive: true },
        { match: "substring", caseSensitive: false },
        { match: "substring", caseSensitive: true },
      ] as const) {
        const found = await pageThrough(store, queryOf({ ...mode, limit: 64 }), 10);
        expect(
          found.map((l) => l.text),
          JSON.stringify(mode),
        ).toEqual(newestFirst);
      }
      const exactly = await pageThrough(store, queryOf({ words: ["NEEDLE"], caseSensitive: true }), 10);
      expect(exactly).toEqual([]);
    });
  },
);
