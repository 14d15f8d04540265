/**
 * Figure 7b, log search (issue 24 section 3, issue 13's query target): how long the SQLite store
 * takes to answer a one-word search over many stored lines, as GET …/logs asks it (the newest 200
 * matches of one container): a word by its beginning (the FTS5 index, prefix queries) with and
 * without case, and a part of a word (the bounded scan of that container's range). Store level, no
 * server; the lines are written through the store's own batch path, so the index is as ingest
 * builds it.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { LogLine } from "@crowsnest/protocol";
import { msToTs, msToTsEnd } from "../../apps/api/src/store/log-time.ts";
import { openSqliteStore } from "../../apps/api/src/store/sqlite/sqlite-store.ts";
import { LOG_SCAN_LINES, type LogQuery, type Store } from "../../apps/api/src/store/store.ts";
import { percentile } from "../support/measure.ts";
import type { BenchOptions } from "../support/options.ts";

/** Lines stored: 1 million (10 million takes this machine too long to build in a bench run); --quick 100,000. */
const LINES = 1_000_000;
const QUICK_LINES = 100_000;
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

/** Measures `options.runs` runs, each on a fresh database in a temporary directory removed afterwards. */
export async function storageSearchSuite(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<StorageSearchRun[]> {
  const runs: StorageSearchRun[] = [];
  const total = options.quick ? QUICK_LINES : LINES;
  for (let run = 1; run <= options.runs; run++) {
    const dir = mkdtempSync(join(tmpdir(), "crowsnest-bench-search-"));
    try {
      const path = join(dir, "search.db");
      const store = await openSqliteStore(path);
      const db = new DatabaseSync(path);
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
      }
      const buildSeconds = (performance.now() - started) / 1_000;
      log(
        `storage search run ${run}: ${total.toLocaleString()} lines stored in ${buildSeconds.toFixed(0)} s`,
      );
      const searches = [
        await timeSearch(store, "word start, 1 % of lines: `time` (→ Timeout)", ["time"]),
        await timeSearch(store, "word start, every line: `req` (→ request)", ["req"]),
        await timeSearch(store, "word start, 1 in 8 lines: `pay` (→ payment)", ["pay"]),
        await timeSearch(store, "word start, no line: `zzz`", ["zzz"]),
        await timeSearch(store, "word start, case-sensitive: `Time` (1 % of lines)", ["Time"], {
          caseSensitive: true,
        }),
        await timeSearch(store, "anywhere, 1 % of lines: `meout`", ["meout"], { match: "substring" }),
        await timeSearch(store, "anywhere, no line (reads the whole range): `qqq`", ["qqq"], {
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
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return runs;
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
