/**
 * The SQLite store's write cost per metric sample, alone: what figure 3's ingest asks of the
 * telemetry writer's thread, without the server, the agents and the network around it. N series
 * (20 hosts × 600 containers by default, as figure 3's agents) send one sample a second for S
 * seconds, written through the real store (openSqliteStore on a file: the worker thread, its
 * transactions, WAL and checkpoints) in writes of 7 host batches (4,200 samples: the server's
 * write queue flushes about 4,000 rows at a time), one after the other.
 *
 * With `--baseline DIR` (a checkout of another commit, its dependencies installed; repeatable) the
 * store of that checkout is measured in the same process, alternating with this one round by round,
 * so that the load of a shared machine falls on all alike: the ratios are the figures to read. Run
 * directly (Node 24: node_modules/.bin/node):
 *
 *   node bench/suites/storage-write.ts [--baseline DIR]… [--rounds 3] [--seconds 180] [--hosts 20]
 *     [--hosts-per-write 7] [--seconds-per-write 1]
 *
 * With `--logs`, log lines instead (`--lines 1400000` of the storage suite's kind, 60 bytes or so,
 * over `--containers 250` of each host, `--lines-per-write 4000`: the write queue's flush of lines;
 * `--containers 600` spreads them over 12,000 series as figure 3's agents do),
 * per line: what the search index and the lines' table ask of the writer, which grows with the
 * index until its pages outnumber what a write touches (BENCHMARKS.md figure 3).
 *
 * Prints per round and store: µs of wall time per sample (what a sequence of writes waits) and µs
 * of the process's CPU time per sample (both threads: the structured clone to the worker and the
 * transaction), then the medians and the ratio of this checkout's over each baseline's. Seconds
 * past 60 make every series pack minutes (and their rollups), as a running server does. A write
 * holds 7 hosts' batches of one second by default; `--seconds-per-write S` puts S seconds of each
 * series in one write (what a store that gathered samples before writing them would do).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import type { LogLine, MetricSample } from "@crowsnest/protocol";
import type { Store, TelemetryWrite } from "../../apps/api/src/store/store.ts";
import { spread } from "../support/measure.ts";
import { logLine, SeriesGenerator, T0 } from "./storage.ts";

const CONTAINERS_PER_HOST = 600;
/** Host batches per write: 7 × 600 = 4,200 samples, about the write queue's 4,000 rows a flush. */
const BATCHES_PER_WRITE = 7;

/**
 * What one write holds: the batches of `hostsPerWrite` hosts for `secondsPerWrite` seconds, so
 * `secondsPerWrite` samples of each of its series (one a second is what a server's flush holds).
 */
interface WriteShape {
  hostsPerWrite: number;
  secondsPerWrite: number;
}

/** One store implementation to measure: its checkout's openSqliteStore. */
interface Variant {
  name: string;
  open: (path: string) => Promise<Store>;
}

/** One round of one variant: µs per sample stored. */
interface WriteFigures {
  wallUsPerSample: number;
  cpuUsPerSample: number;
}

/** The store of `checkout`, named by its commit. */
async function variant(checkout: string): Promise<Variant> {
  const commit = execFileSync("git", ["-C", checkout, "rev-parse", "--short", "HEAD"], {
    encoding: "utf8",
  }).trim();
  const dirty = execFileSync("git", ["-C", checkout, "status", "--porcelain", "--", "apps/api/src/store"], {
    encoding: "utf8",
  });
  const name = `${commit}${dirty === "" ? "" : "+changes"} (${checkout})`;
  const module = (await import(join(checkout, "apps/api/src/store/sqlite/sqlite-store.ts"))) as {
    openSqliteStore: (path: string) => Promise<Store>;
  };
  return { name, open: (path) => module.openSqliteStore(path) };
}

/** A store of `v` on a new file in `dir` with `hosts` hosts, and their ids. */
async function openWithHosts(
  v: Variant,
  dir: string,
  hosts: number,
): Promise<{ store: Store; hostIds: string[] }> {
  const path = join(dir, "store.db");
  const store = await v.open(path);
  const db = new DatabaseSync(path);
  const hostIds = Array.from({ length: hosts }, (_, h) => `bench-host-${h}`);
  for (const id of hostIds)
    db.prepare("INSERT INTO hosts (id, name, created_at) VALUES (?, ?, 0)").run(id, id);
  db.close();
  return { store, hostIds };
}

/** Times `write` (wall ms and the process's CPU µs, both threads) into `into`. */
async function timed(into: { wallMs: number; cpuUs: number }, write: () => Promise<unknown>): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await write();
  into.wallMs += performance.now() - started;
  const used = process.cpuUsage(cpu);
  into.cpuUs += used.user + used.system;
}

/**
 * Writes `lines` log lines into a new file through `v`, `linesPerWrite` a write, each write one
 * batch of each host; times only the writes. Figures are per line.
 */
async function measureLogs(
  v: Variant,
  hosts: number,
  lines: number,
  linesPerWrite: number,
  containers: number,
): Promise<WriteFigures> {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-bench-write-"));
  try {
    const { store, hostIds } = await openWithHosts(v, dir, hosts);
    const time = { wallMs: 0, cpuUs: 0 };
    const perBatch = Math.ceil(linesPerWrite / hosts);
    let seq = 0;
    for (let n = 0; n < lines; ) {
      seq += 1;
      const writes: TelemetryWrite[] = [];
      for (const hostId of hostIds) {
        const batch: LogLine[] = [];
        for (let i = 0; i < perBatch && n < lines; i++, n++) batch.push(logLine(n, containers));
        const at = Date.parse(batch.at(-1)?.ts ?? "") || T0;
        writes.push({ kind: "batch", hostId, at, message: { type: "logs", seq, lines: batch, drops: [] } });
      }
      await timed(time, () => store.telemetry.write(writes));
    }
    await store.close();
    return { wallUsPerSample: (time.wallMs * 1_000) / lines, cpuUsPerSample: time.cpuUs / lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `hosts` × 600 series for `seconds` seconds into a new file through `v`; times only the writes. */
async function measure(v: Variant, hosts: number, seconds: number, shape: WriteShape): Promise<WriteFigures> {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-bench-write-"));
  try {
    const { store, hostIds } = await openWithHosts(v, dir, hosts);
    const series = hostIds.map((_, h) =>
      Array.from(
        { length: CONTAINERS_PER_HOST },
        (_, c) => new SeriesGenerator((h * CONTAINERS_PER_HOST + c + 1).toString(16).padStart(64, "0")),
      ),
    );
    const seq = new Map(hostIds.map((id) => [id, 0]));
    const time = { wallMs: 0, cpuUs: 0 };
    let samples = 0;
    for (let s0 = 0; s0 < seconds; s0 += shape.secondsPerWrite) {
      for (let h = 0; h < hosts; h += shape.hostsPerWrite) {
        const writes: TelemetryWrite[] = [];
        for (let s = s0; s < Math.min(seconds, s0 + shape.secondsPerWrite); s++) {
          for (let k = h; k < Math.min(hosts, h + shape.hostsPerWrite); k++) {
            const hostId = hostIds[k] as string;
            const n = (seq.get(hostId) ?? 0) + 1;
            seq.set(hostId, n);
            const batch: MetricSample[] = (series[k] ?? []).map((g) => g.next(s));
            samples += batch.length;
            writes.push({
              kind: "batch",
              hostId,
              at: T0 + s * 1_000,
              message: { type: "metrics", seq: n, samples: batch },
            });
          }
        }
        await timed(time, () => store.telemetry.write(writes));
      }
    }
    // Finish what each design defers: a second of every series a minute later packs the minute the
    // head rows held (before staging), and a retention pass what is staged (SQLite's staging waits
    // for its arrival minute to end), so that every sample but that second's is packed in both.
    const after = T0 + (seconds + 60) * 1_000;
    const last: TelemetryWrite[] = hostIds.map((hostId, k) => {
      const n = (seq.get(hostId) ?? 0) + 1;
      const batch: MetricSample[] = (series[k] ?? []).map((g) => g.next(seconds + 60));
      samples += batch.length;
      return { kind: "batch", hostId, at: after, message: { type: "metrics", seq: n, samples: batch } };
    });
    await timed(time, async () => {
      await store.telemetry.write(last);
      const pack = store.retention.packRawMetrics?.bind(store.retention);
      for (let packed = 1; pack !== undefined && packed > 0; )
        packed = await pack(after + 2 * 60_000, 100_000);
    });
    await store.close();
    return { wallUsPerSample: (time.wallMs * 1_000) / samples, cpuUsPerSample: time.cpuUs / samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      baseline: { type: "string", multiple: true },
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "180" },
      hosts: { type: "string", default: "20" },
      "hosts-per-write": { type: "string", default: String(BATCHES_PER_WRITE) },
      "seconds-per-write": { type: "string", default: "1" },
      logs: { type: "boolean", default: false },
      lines: { type: "string", default: "1400000" },
      "lines-per-write": { type: "string", default: "4000" },
      containers: { type: "string", default: "250" },
    },
  });
  const logs = values.logs === true;
  const lines = Number(values.lines);
  const linesPerWrite = Number(values["lines-per-write"]);
  const containers = Number(values.containers);
  const unit = logs ? "line" : "sample";
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const hosts = Number(values.hosts);
  const shape: WriteShape = {
    hostsPerWrite: Number(values["hosts-per-write"]),
    secondsPerWrite: Number(values["seconds-per-write"]),
  };
  const variants: Variant[] = [];
  for (const dir of values.baseline ?? []) variants.push(await variant(resolve(dir)));
  const mine = await variant(resolve(import.meta.dirname, "../.."));
  variants.push(mine);
  const results = new Map<string, WriteFigures[]>(variants.map((v) => [v.name, []]));
  console.log(
    logs
      ? `${lines} log lines of ${containers} containers per store and round, writes of ${linesPerWrite} lines of ${hosts} hosts`
      : `${hosts * CONTAINERS_PER_HOST} series × ${seconds} s = ${hosts * CONTAINERS_PER_HOST * seconds} samples per store and round, writes of ${shape.hostsPerWrite} hosts × ${shape.secondsPerWrite} s`,
  );
  for (let round = 1; round <= rounds; round++) {
    for (const v of variants) {
      const figures = logs
        ? await measureLogs(v, hosts, lines, linesPerWrite, containers)
        : await measure(v, hosts, seconds, shape);
      results.get(v.name)?.push(figures);
      console.log(
        `round ${round} ${v.name}: ${figures.wallUsPerSample.toFixed(2)} µs/${unit} wall, ${figures.cpuUsPerSample.toFixed(2)} µs/${unit} CPU`,
      );
    }
  }
  const medians = new Map<string, WriteFigures>();
  for (const [name, list] of results) {
    const wall = spread(list.map((f) => f.wallUsPerSample));
    const cpu = spread(list.map((f) => f.cpuUsPerSample));
    medians.set(name, { wallUsPerSample: wall.median, cpuUsPerSample: cpu.median });
    console.log(
      `${name}: median ${wall.median.toFixed(2)} (${wall.min.toFixed(2)}–${wall.max.toFixed(2)}) µs/${unit} wall, ${cpu.median.toFixed(2)} (${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}) µs/${unit} CPU`,
    );
  }
  const own = medians.get(mine.name);
  for (const v of variants.slice(0, -1)) {
    const base = medians.get(v.name);
    if (base === undefined || own === undefined) continue;
    console.log(
      `${mine.name} ÷ ${v.name}: ${(own.wallUsPerSample / base.wallUsPerSample).toFixed(2)} wall, ${(own.cpuUsPerSample / base.cpuUsPerSample).toFixed(2)} CPU`,
    );
  }
}

await main();
