import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import type { LogQuery, Store } from "../../src/store/store.ts";
import { logLine, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential, BACKENDS } from "./backends.ts";

const LINES = [
  "upstream timeout from payment-gateway",
  "\x1b[32mINFO\x1b[0m repay scheduled",
  'say "a OR b" NEAR(a b) and "x',
  "Crème brûlée served",
  "RUNTIME Timeout",
];

/** Log search in the Store contract: words by their start over the whole history, anywhere by a bounded scan, case as asked. */
describe.each(BACKENDS)("Store contract, log search ($name)", ({ open }) => {
  let store: Store;
  let hostId: string;
  let id: string;
  beforeEach(async () => {
    store = await open();
    hostId = (await store.hosts.create("h", 1_000, anyCredential())).id;
    id = newContainerId();
    const lines = LINES.map((text, i) => logLine(id, 1_000 + i, text, i === 4 ? "stderr" : "stdout"));
    await store.telemetry.write([
      { kind: "batch", hostId, at: 1, message: { type: "logs", seq: 1, lines, drops: [] } },
    ]);
  });
  afterEach(async () => {
    await store.close();
  });

  const query = (words: string[], more: Partial<LogQuery> = {}) =>
    store.logs.query({
      hostId,
      containerId: id,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2100-01-01")),
      words,
      stream: null,
      limit: 10,
      before: null,
      ...more,
    });
  const texts = async (words: string[], more: Partial<LogQuery> = {}) =>
    (await query(words, more)).lines.map((l) => LINES.indexOf(l.text));

  it("finds words by their beginning, not from their middle", async () => {
    expect(await texts(["time"])).toEqual([0, 4]);
    expect(await texts(["pay"])).toEqual([0]);
    expect(await texts(["payment-gate"])).toEqual([0]);
    expect(await texts(["meout"])).toEqual([]);
    expect(await texts(["gateway", "upstream"])).toEqual([0]);
    expect(await texts(["ti"])).toEqual([0, 4]);
  });

  it("finds any part of a word in one container's range by a scan", async () => {
    expect(await texts(["meout"], { match: "substring" })).toEqual([0, 4]);
    expect(await texts(["ment-gate"], { match: "substring" })).toEqual([0]);
    expect(await texts(["pay"], { match: "substring" })).toEqual([0, 1]);
    const page = await query(["meout"], { match: "substring" });
    expect(page.scanned).toBeNull();
    expect(page.next).toBeNull();
  });

  it("ignores case and accents by default and requires them exactly when asked", async () => {
    expect(await texts(["TIMEOUT"])).toEqual([0, 4]);
    expect(await texts(["creme", "BRULEE"])).toEqual([3]);
    expect(await texts(["Time"], { caseSensitive: true })).toEqual([4]);
    expect(await texts(["time"], { caseSensitive: true })).toEqual([0]);
    expect(await texts(["creme"], { caseSensitive: true })).toEqual([]);
    expect(await texts(["RUNTIME"], { caseSensitive: true, stream: "stderr" })).toEqual([4]);
    expect(await texts(["untime"], { match: "substring", caseSensitive: true })).toEqual([]);
    expect(await texts(["UNTIME"], { match: "substring", caseSensitive: true })).toEqual([4]);
  });

  it("reads a coloured word as it shows, not with its colour codes", async () => {
    expect(await texts(["info"])).toEqual([1]);
    expect(await texts(["INFO"], { caseSensitive: true })).toEqual([1]);
    expect(await texts(["32minfo"])).toEqual([]);
    expect(await texts(["32m"], { match: "substring" })).toEqual([]);
    expect(await texts(["O rep"], { match: "substring", caseSensitive: true })).toEqual([1]);
  });

  it("takes quotes and operators as text, never as query syntax", async () => {
    for (const match of ["prefix", "substring"] as const) {
      expect(await texts(["NEAR(a", "b)"], { match })).toEqual([2]);
      expect(await texts(['"x'], { match })).toEqual([2]);
      expect(await texts(['"a', "OR", 'b"'], { match })).toEqual([2]);
      expect(await texts(["AND"], { match })).toEqual([2]);
      expect(await texts(["*"], { match })).toEqual([]);
      expect(await texts(['"'], { match })).toEqual([2]);
      expect(await texts(["^", "-", ":"], { match })).toEqual([]);
    }
    expect(await texts(["NEAR(x"])).toEqual([]);
  });

  it("finds the same below thousands of newer lines, where the index answers", async () => {
    const filler = Array.from({ length: 2_500 }, (_, i) => logLine(id, 10_000 + i, `filler ${i} Timer`));
    await store.telemetry.write([
      { kind: "batch", hostId, at: 2, message: { type: "logs", seq: 2, lines: filler, drops: [] } },
    ]);
    const old = async (words: string[], more: Partial<LogQuery> = {}) =>
      (await query(words, { limit: 3_000, ...more })).lines
        .map((l) => LINES.indexOf(l.text))
        .filter((i) => i >= 0);
    expect(await old(["timeout"])).toEqual([0, 4]);
    expect(await old(["pay"])).toEqual([0]);
    expect(await old(["payment-gate"])).toEqual([0]);
    expect(await old(["Time"], { caseSensitive: true })).toEqual([4]);
    expect(await old(["NEAR(a", "b)"])).toEqual([2]);
    expect(await old(['"x'])).toEqual([2]);
    expect((await query(["time"], { limit: 3_000 })).lines).toHaveLength(2_502);
    expect((await query(["timeo"], { limit: 1 })).next).not.toBeNull();
  });

  it("stops a scan at its limit and says how far it read; the cursor continues it", async () => {
    const scan = (before: LogQuery["before"]) =>
      query(["upstream"], { match: "substring", scanLines: 2, before });
    const first = await scan(null);
    expect(first).toMatchObject({ lines: [], scanned: 2 });
    const second = await scan(first.next);
    expect(second).toMatchObject({ lines: [], scanned: 2 });
    const third = await scan(second.next);
    expect(third.lines.map((l) => l.text)).toEqual([LINES[0]]);
    expect(third).toMatchObject({ scanned: null, next: null });
  });
});
