/**
 * Figure 7b, log search (issue 24 section 3, issue 13's query target): how long the SQLite store
 * takes to answer a one-word search over many stored lines, as GET …/logs asks it (the newest 200
 * matches of one container): a word by its beginning (the FTS5 index, prefix queries) with and
 * without case, and a part of a word (the bounded scan of that container's range). Store level, no
 * server; the lines are written through the store's own batch path, so the index is as ingest
 * builds it. 10 million lines take this machine about a quarter of an hour to write, so the file is
 * built once and kept under bench/results/ (never committed), named by the schema version and the
 * lines' format; every run, and every later bench, queries that file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { LogLine } from "@crowsnest/protocol";
import { msToTs, msToTsEnd } from "../../apps/api/src/store/log-time.ts";
import { MIGRATIONS } from "../../apps/api/src/store/sqlite/migrations/index.ts";
import { openSqliteStore } from "../../apps/api/src/store/sqlite/sqlite-store.ts";
import { LOG_SCAN_LINES, type LogQuery, type Store } from "../../apps/api/src/store/store.ts";
import { ROOT } from "../../test/support/processes.ts";
import { percentile } from "../support/measure.ts";
import type { BenchOptions } from "../support/options.ts";

/** Lines stored: 10 million, issue 13's figure; --quick 100,000. */
const LINES = 10_000_000;
const QUICK_LINES = 100_000;
/** The format of `line()`: a change to the lines must change it, so that no kept file of older lines is queried. */
const LINES_FORMAT = 1;
/** Where the built files are kept: the bench's results, never committed (.gitignore). */
const KEPT_DIR = join(ROOT, "bench", "results");
const CONTAINERS = 10;
const BATCH = 5_000;
const REPEATS = 7;
const HOST = "bench-host";
const T0 = Date.parse("2026-11-30T00:00:00Z");
const WORDS = ["checkout", "inventory", "shipping", "session", "render", "billing", "search", "login"];
const LEVELS = ["INFO", "DEBUG", "WARN", "ERROR"];

/** One search measured: median and p95 over the repeats, ms, and the lines it returned. */
export interface SearchTiming {
  label: string;
  medianMs: number;
  p95Ms: number;
  lines: number;
  /** Lines the scan read when it stopped at its limit, else null. */
  scanned: number | null;
}

/** One run: the lines stored, the build time, the file size and each search's timing. */
export interface StorageSearchRun {
  run: number;
  lines: number;
  containers: number;
  buildSeconds: number;
  fileBytes: number;
  scanLimit: number;
  searches: SearchTiming[];
}

/**
 * Measures `options.runs` runs on the kept file of the lines (built first if there is none); the
 * build time reported is the one of that file's build.
 */
export async function storageSearchSuite(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<StorageSearchRun[]> {
  const runs: StorageSearchRun[] = [];
  const total = options.quick ? QUICK_LINES : LINES;
  const { path, buildSeconds } = await keptLines(total, log);
  for (let run = 1; run <= options.runs; run++) {
    const store = await openSqliteStore(path);
    const searches = [
      await timeSearch(store, "word start, 1 % of lines: `time` (→ Timeout)", ["time"]),
      await timeSearch(store, "word start, every line: `req` (→ request)", ["req"]),
      await timeSearch(store, "word start, 1 % of lines, three letters: `tim` (→ Timeout)", ["tim"]),
      await timeSearch(store, "word start, 1 in 8 lines: `pay` (→ payment)", ["pay"]),
      // Absent words have six letters: a line's base-36 number has at most five (10 million is 5yc1s).
      await timeSearch(store, "word start, no line: `zebras`", ["zebras"]),
      await timeSearch(store, "word start, case-sensitive: `Time` (1 % of lines)", ["Time"], {
        caseSensitive: true,
      }),
      await timeSearch(store, "anywhere, 1 % of lines: `meout`", ["meout"], { match: "substring" }),
      await timeSearch(store, "anywhere, no line (reads up to the scan limit): `qqqqqq`", ["qqqqqq"], {
        match: "substring",
      }),
    ];
    await store.close();
    for (const s of searches)
      log(`  ${s.label}: ${s.medianMs.toFixed(1)} ms (p95 ${s.p95Ms.toFixed(1)}), ${s.lines} lines`);
    runs.push({
      run,
      lines: total,
      containers: CONTAINERS,
      buildSeconds,
      fileBytes: statSync(path).size,
      scanLimit: LOG_SCAN_LINES,
      searches,
    });
  }
  return runs;
}

/**
 * The file of `total` lines under bench/results/, named by schema version and LINES_FORMAT, with
 * the seconds its build took (kept beside it): built through the store's batch path, into a
 * temporary name renamed when complete, if it is not there yet.
 */
async function keptLines(
  total: number,
  log: (line: string) => void,
): Promise<{ path: string; buildSeconds: number }> {
  const schema = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  const name = `search-${total}-lines-v${LINES_FORMAT}-schema${schema}`;
  const path = join(KEPT_DIR, `${name}.db`);
  const timing = join(KEPT_DIR, `${name}.json`);
  if (existsSync(path) && existsSync(timing)) {
    const { buildSeconds } = JSON.parse(readFileSync(timing, "utf8")) as { buildSeconds: number };
    log(
      `storage search: ${total.toLocaleString("en")} lines kept in ${path} (built in ${buildSeconds.toFixed(0)} s)`,
    );
    return { path, buildSeconds };
  }
  mkdirSync(KEPT_DIR, { recursive: true });
  const building = join(KEPT_DIR, `${name}.building.db`);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${building}${suffix}`, { force: true });
  const store = await openSqliteStore(building);
  const db = new DatabaseSync(building);
  db.prepare("INSERT INTO hosts (id, name, created_at) VALUES (?, 'bench', 0)").run(HOST);
  db.close();
  const started = performance.now();
  for (let i = 0; i < total; i += BATCH) {
    const lines = Array.from({ length: Math.min(BATCH, total - i) }, (_, k) => line(i + k));
    const seq = i / BATCH + 1;
    await store.telemetry.write([
      // Arriving at T0: its lines' times lie within the store's time window of it.
      { kind: "batch", hostId: HOST, at: T0 + seq, message: { type: "logs", seq, lines, drops: [] } },
    ]);
    if ((i + BATCH) % 1_000_000 === 0)
      log(`storage search: ${((i + BATCH) / 1e6).toFixed(0)} M lines stored`);
  }
  // Closing checkpoints the WAL into the file, which is then complete on its own.
  await store.close();
  const buildSeconds = (performance.now() - started) / 1_000;
  renameSync(building, path);
  writeFileSync(timing, `${JSON.stringify({ buildSeconds })}\n`);
  log(`storage search: ${total.toLocaleString("en")} lines stored in ${buildSeconds.toFixed(0)} s (${path})`);
  return { path, buildSeconds };
}

/** A line of container `n % CONTAINERS`, one a millisecond; every 97th says "upstream Timeout from payment-gateway". */
function line(n: number): LogLine {
  const level = LEVELS[n % LEVELS.length] ?? "INFO";
  const word = WORDS[n % WORDS.length] ?? "search";
  const tail =
    n % 97 === 7 ? " upstream Timeout from payment-gateway" : n % 8 === 3 ? " payment accepted" : "";
  return {
    containerId: containerId(n % CONTAINERS),
    ts: new Date(T0 + n).toISOString(),
    stream: n % 10 === 0 ? "stderr" : "stdout",
    text: `\x1b[32m${level}\x1b[0m ${word} request ${n.toString(36)} took ${(n * 7) % 997} ms user=u${n % 5_000}${tail}`,
    truncated: false,
  };
}

function containerId(n: number): string {
  return n.toString(16).padStart(64, "0");
}

/** The route's default page (newest 200 matches of container 3 over its whole range), after one warm-up run. */
async function timeSearch(
  store: Store,
  label: string,
  words: string[],
  more: Partial<LogQuery> = {},
): Promise<SearchTiming> {
  const query: LogQuery = {
    hostId: HOST,
    containerId: containerId(3),
    from: msToTs(0),
    to: msToTsEnd(T0 + 365 * 86_400_000),
    words,
    stream: null,
    limit: 200,
    before: null,
    ...more,
  };
  let page = await store.logs.query(query);
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    page = await store.logs.query(query);
    times.push(performance.now() - started);
  }
  return {
    label,
    medianMs: percentile(times, 50),
    p95Ms: percentile(times, 95),
    lines: page.lines.length,
    scanned: page.scanned,
  };
}
