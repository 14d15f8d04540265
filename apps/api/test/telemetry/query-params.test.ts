import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { AppError } from "../../src/errors/app-error.ts";
import { parseInput } from "../../src/errors/validate.ts";
import { AuditQuery } from "../../src/routes/audit/list.ts";
import { encodeCursor } from "../../src/routes/logs/cursor.ts";
import { LogsQuery } from "../../src/routes/logs/get.ts";
import { MetricsQuery } from "../../src/routes/metrics/get.ts";
import { MAX_EPOCH_MS } from "../../src/routes/params.ts";
import { defaultDatabase } from "../../src/store/database-url.ts";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { Store } from "../../src/store/store.ts";

// Every time, limit, cursor and search-mode parameter of every query schema, over any string: it parses to a value
// the real store accepts, or it fails as a 400 (bad_request) naming that very field. Never anything
// else, which over HTTP would be a 500.

const RUNS = 3_000;
const CONTAINER = "c".repeat(64);

const hostile = fc.constantFrom(
  "9999999999999999",
  "-1",
  "1e400",
  "1e3",
  "NaN",
  "Infinity",
  "0x10",
  "0b1",
  "",
  " ",
  " 1",
  "1 ",
  "1.5",
  "+1",
  "0",
  "00000000000000001",
  "1_000",
  "١٢",
  String(MAX_EPOCH_MS),
  String(MAX_EPOCH_MS + 1),
  "8640000000000000",
  String(Number.MAX_SAFE_INTEGER),
  String(Number.MAX_SAFE_INTEGER + 1),
  "9".repeat(400),
);
const numeric = fc.oneof(
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.double().map(String),
  fc.nat({ max: MAX_EPOCH_MS * 2 }).map(String),
  fc.integer({ min: -5, max: 1_500 }).map(String),
);
const toCursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const cursorLike = fc.oneof(
  fc
    .record({
      ts: fc.date({ noInvalidDate: true }).map((d) => `${d.toISOString().slice(0, -1)}000000Z`),
      id: fc.oneof(fc.integer(), fc.double(), fc.bigInt().map(Number)),
    })
    .map((p) => encodeCursor(p)),
  fc.jsonValue().map(toCursor),
  fc.tuple(fc.string(), fc.jsonValue()).map(toCursor),
  fc.base64String(),
  fc.string({ minLength: 400, maxLength: 2_000 }),
);
const anyValue = fc.oneof(
  hostile,
  numeric,
  cursorLike,
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.array(fc.string(), { minLength: 2, maxLength: 3 }), // a repeated parameter: ?to=1&to=2
);

let dir: string;
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crowsnest-query-params-"));
  store = await openStore({ database: defaultDatabase(dir) });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Case<S extends z.ZodType> {
  route: string;
  schema: S;
  params: readonly string[];
  /** Runs the store query the route runs with the parsed values; rejects when the store refuses them. */
  useInStore: (query: z.output<S>) => Promise<unknown>;
}

const cases = [
  {
    route: "GET …/logs",
    schema: LogsQuery,
    params: ["from", "to", "limit", "cursor", "match", "case"],
    useInStore: (q: z.output<typeof LogsQuery>) =>
      store.logs.query({
        hostId: "h",
        containerId: CONTAINER,
        from: msToTs(q.from ?? 0),
        to: msToTsEnd(q.to ?? MAX_EPOCH_MS),
        words: ["time"],
        match: q.match ?? "prefix",
        caseSensitive: q.case === "sensitive",
        stream: null,
        limit: q.limit ?? 200,
        before: q.cursor ?? null,
      }),
  } satisfies Case<typeof LogsQuery>,
  {
    route: "GET …/metrics",
    schema: MetricsQuery,
    params: ["from", "to"],
    useInStore: async (q: z.output<typeof MetricsQuery>) => {
      const range = { hostId: "h", containerId: CONTAINER, from: q.from ?? 0, to: q.to ?? MAX_EPOCH_MS };
      await store.metrics.raw(range);
      await store.metrics.rollups(range);
    },
  } satisfies Case<typeof MetricsQuery>,
  {
    route: "GET /api/audit",
    schema: AuditQuery,
    params: ["from", "to", "limit", "cursor"],
    useInStore: (q: z.output<typeof AuditQuery>) =>
      store.audit.query({ from: q.from, to: q.to }, { before: q.cursor ?? null, limit: q.limit }),
  } satisfies Case<typeof AuditQuery>,
];

/** The parsed value is one the store takes, or the failure is a bad_request naming one of `names`. */
async function parsesForTheStoreOrNames(
  c: (typeof cases)[number],
  query: Record<string, unknown>,
  names: readonly string[],
): Promise<void> {
  let parsed: unknown;
  try {
    parsed = parseInput("query", c.schema, query);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("bad_request");
    expect(names.map((name) => `query.${name}`)).toContain((err as AppError).field);
    return;
  }
  const times = parsed as { from?: number; to?: number; limit?: number };
  for (const t of [times.from, times.to]) {
    if (t !== undefined) expect(Number.isSafeInteger(t) && t >= 0 && t <= MAX_EPOCH_MS).toBe(true);
  }
  await (c.useInStore as (q: unknown) => Promise<unknown>)(parsed);
}

describe.each(cases)("the query of $route", (c) => {
  it(`takes any string for ${c.params.join(", ")} into the store or refuses it naming the field`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...c.params), anyValue, async (name, value) => {
        await parsesForTheStoreOrNames(c, { [name]: value }, [name]);
      }),
      { numRuns: RUNS },
    );
  });

  it("names one of the offending fields when several are given at once", async () => {
    const query = fc.dictionary(fc.constantFrom(...c.params), anyValue, { minKeys: 2 });
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        await parsesForTheStoreOrNames(c, q, Object.keys(q));
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses the values the issue found, naming the field", () => {
    for (const name of c.params) {
      for (const value of ["9999999999999999", "-1", "1e400", "NaN", "0x10", "x".repeat(600)]) {
        expect(() => parseInput("query", c.schema, { [name]: value }), `${name}=${value}`).toThrow(
          expect.objectContaining({ code: "bad_request", field: `query.${name}` }),
        );
      }
    }
  });
});
