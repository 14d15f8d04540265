import { compileLogSearch, findLogMatches, type LogLine, stripAnsi } from "@crowsnest/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import type { LogQuery, Store } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential, BACKENDS } from "./backends.ts";
import { addHostWithLogs, pageThrough, strictlyNewestFirst } from "./log-pages.ts";

/** Lines of another container holding "needle" and "crème": more than SQLite reads by id (20,000). */
const CROWD = 20_001;
/** Newer lines without a letter: more than the 2,000 a prefix search reads before it asks its index. */
const FILLER = 2_001;

/** Words of the generated lines: case, accents, one word the start of another, a hyphen. */
const VOCABULARY = [
  "needle",
  "Needle",
  "NEEDLEWORK",
  "pin",
  "Pinecone",
  "crème",
  "Creme",
  "x-needle",
  "haystack",
];
/** Words searched for: whole words, starts of words in other cases and accents, a word's middle. */
const SEARCHED = [
  "needle",
  "nee",
  "NEE",
  "Needle",
  "pin",
  "Pine",
  "creme",
  "crè",
  "x-nee",
  "edle",
  "work",
  "stack",
];

/** One container's lines: words of VOCABULARY (some coloured), at times whose digit count in ns varies, some shared. */
const storedLines = fc.array(
  fc.record({
    words: fc.array(fc.constantFrom(...VOCABULARY), { minLength: 1, maxLength: 3 }),
    coloured: fc.boolean(),
    ms: fc.oneof(fc.integer({ min: 1, max: 22_000 }), fc.constantFrom(999, 1_000, 9_999, 10_000)),
    stderr: fc.boolean(),
  }),
  { maxLength: 40 },
);

/** A search of those lines in any mode, with the page size, stream, time range and scan limit it may set. */
const search = fc.record({
  words: fc.array(fc.constantFrom(...SEARCHED), { minLength: 1, maxLength: 2 }),
  match: fc.constantFrom("prefix" as const, "substring" as const),
  caseSensitive: fc.boolean(),
  stream: fc.constantFrom(null, "stdout" as const, "stderr" as const),
  limit: fc.integer({ min: 1, max: 5 }),
  // A substring search's scan stops after this many lines and says where to go on.
  scanLines: fc.option(fc.integer({ min: 1, max: 700 }), { nil: undefined }),
  from: fc.integer({ min: 0, max: 2_000 }),
  to: fc.constantFrom(11_000, 30_000),
});

/**
 * Paging through a search's matches gives each matching line once, newest first: the lines a plain
 * filter of the stored lines keeps, whatever the store's reads (the newest lines, the word index,
 * on SQLite its lookup by id or the range for a word on more than 20,000 lines, a stopped scan).
 * Each case is a small store of its own host, written beside CROWD lines of another host that make
 * "needle" and "crème" common words; with FILLER newer lines when asked, so that the prefix search
 * goes on to its word index after the newest lines.
 */
describe.each(BACKENDS)("Store contract, paging through log search matches ($name)", ({ open }) => {
  let store: Store;
  let hosts = 0;
  beforeAll(async () => {
    store = await open();
    const other = newContainerId();
    const lines = Array.from({ length: CROWD }, (_, i) => logLine(other, 1_000 + i, `needle crème ${i}`));
    await addHostWithLogs(store, "crowd", lines);
  });
  afterAll(async () => {
    await store.close();
  });

  it("gives each matching line exactly once, newest first, in every mode", async () => {
    await fc.assert(
      fc.asyncProperty(
        storedLines,
        fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
        search,
        async (generated, fillerFrom, asked) => {
          const hostId = (await store.hosts.create(`h${++hosts}`, 1_000, anyCredential())).id;
          const id = newContainerId();
          const lines: LogLine[] = generated.map(({ words, coloured, ms, stderr }, i) => {
            const text = coloured ? `\x1b[31m${words.join(" ")}\x1b[0m #${i}` : `${words.join(" ")} #${i}`;
            return logLine(id, ms, text, stderr ? "stderr" : "stdout");
          });
          if (fillerFrom !== null) {
            lines.push(...Array.from({ length: FILLER }, (_, i) => logLine(id, fillerFrom + i, `- ${i}`)));
          }
          await store.telemetry.write([
            { kind: "batch", hostId, at: 1, message: { type: "logs", seq: 1, lines, drops: [] } },
          ]);
          const query: Omit<LogQuery, "before"> = {
            hostId,
            containerId: id,
            from: msToTs(asked.from),
            to: msToTsEnd(asked.to),
            words: asked.words,
            match: asked.match,
            caseSensitive: asked.caseSensitive,
            scanLines: asked.scanLines,
            stream: asked.stream,
            limit: asked.limit,
          };
          const compiled = compileLogSearch(asked.words, asked.match, asked.caseSensitive);
          const expected = lines.filter(
            (line) =>
              (asked.stream === null || line.stream === asked.stream) &&
              Date.parse(line.ts) >= asked.from &&
              Date.parse(line.ts) <= asked.to &&
              compiled !== null &&
              findLogMatches(stripAnsi(line.text), compiled) !== null,
          );
          // Each page holds a line or is a stopped scan of at least one line.
          const found = await pageThrough(store, query, expected.length + lines.length + 2);
          expect(strictlyNewestFirst(found)).toBe(true);
          expect(found.map((line) => line.text).sort()).toEqual(expected.map((line) => line.text).sort());
        },
      ),
      { numRuns: 60 },
    );
  });
});
