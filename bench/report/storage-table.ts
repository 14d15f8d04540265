import type { SchemaFigures, StorageRun } from "../suites/storage.ts";
import { spread } from "../support/measure.ts";
import { cell, num, table } from "./format.ts";

/** Issue 13's targets for the figures of the storage table. */
const TARGETS = {
  bytesPerSample: 24,
  rollupPercent: 2,
  lineTextMultiple: 2.5,
  dayQueryMs: 150,
} as const;

/**
 * Figure 7: bytes on disk per sample and per line, and the 24 h query, previous schema beside
 * current and PostgreSQL; `notes` is the figure's kept notes block (keptNotes), printed last.
 * Throws on no runs.
 */
export function storageSection(runs: readonly StorageRun[], notes: string): string {
  const first = runs[0];
  if (first === undefined) throw new Error("figure 7 needs at least one storage run");
  const of = (schema: "previous" | "current", pick: (f: SchemaFigures) => number) =>
    spread(runs.map((r) => pick(r[schema])));
  // Results saved before PostgreSQL was measured have no such figures: that column says "–".
  const postgresRuns = runs.flatMap((r) => (r.postgres ? [r.postgres] : []));
  const onPostgres = (pick: (f: SchemaFigures) => number, digits: number) =>
    postgresRuns.length === 0 ? "–" : cell(spread(postgresRuns.map(pick)), digits);
  const text = spread(runs.map((r) => r.textBytesPerLine));
  /** A table row; `target` null for a figure without one (its last two cells then say so). */
  const row = (
    figure: string,
    pick: (f: SchemaFigures) => number,
    digits: number,
    target: { text: string; reached: (v: number) => boolean } | null,
  ) => {
    const current = of("current", pick);
    return [
      figure,
      cell(of("previous", pick), digits),
      cell(current, digits),
      onPostgres(pick, digits),
      target?.text ?? "–",
      target === null ? "–" : target.reached(current.median) ? "yes" : "no",
    ];
  };
  return [
    "## 7. Storage on disk and the 24 h chart query",
    "",
    `The SQLite store, filled at store level (no server) with the same data for both schemas: ${metricText(first)};`,
    `${first.lines.toLocaleString("en")} log lines of the ingest suite's shape (mean text ${cell(text, 1)} bytes) over 250 containers, 500 a`,
    "batch; and 24 h of one container at 1 s (86,400 samples) for the query. _previous_: the schema before",
    "migration 9 (text host and container ids in every row and index, a log table with three indexes",
    "and a search index with positions), written with its own statements; _current_: series ids,",
    "metric chunks (one zstd-compressed chunk per series and minute, per hour once the hour is over),",
    "log lines keyed by series with a search index that keeps no text and no positions (`detail=none`,",
    "no prefix index). Bytes are SQLite's pages (`dbstat`) after a checkpoint, per sample or line;",
    "_with indexes_ adds every index (and the search index for logs). Rollups: the one-minute tier with",
    "its indexes as a share of the raw tier with its indexes, for the same samples; _current_ counts its",
    "packed hours (one chunk per series and hour, migration 11), as all but a series' newest hour of its",
    "30 days are: the data ends with one more sample per container, in the next hour; _24 h_: the same",
    "fleet written for 24 h (the current schema only; raw tier and rollups of that file). The query is",
    "`store.metrics.history` (what the metrics route calls) reduced to about 2,000 min/max buckets and",
    "serialized, median of 7 after a warm-up; the previous schema has no reduction: its raw query of the",
    "86,400 rows, serialized. Write times: one store transaction per batch, per sample or line.",
    "_PostgreSQL_: the PostgreSQL store (issue 14) on the same data through the same Store calls, each",
    "figure on a fresh database on this machine's server: samples written as wide rows in day partitions",
    "and packed, as on a running server, by the retention pass into the same chunks as SQLite's (migration 4,",
    "a minute chunk 2 min after the minute ends, an hour chunk once the hour is over; here each minute of",
    "the data, with a `VACUUM` of the rows as autovacuum would make, and every hour before measuring),",
    "rollups likewise in hour chunks (migration 5), log lines with a tsvector of their distinct folded words",
    "under a GIN index. Bytes: `pg_table_size` (TOAST included) and `pg_total_relation_size` (with indexes)",
    "over the day partitions after `VACUUM FULL` (what the data occupies, as `dbstat` counts SQLite's used",
    "pages), plus the series table for _with indexes_. The targets and _reached_ are the SQLite store's (issue 13).",
    "",
    table(
      ["figure", "previous", "current", "PostgreSQL", "target (issue 13)", "reached"],
      [
        row("metric sample, raw tier, tables only, bytes", (f) => f.rawBytesPerSample, 1, null),
        row("metric sample, raw tier with indexes, bytes", (f) => f.rawBytesPerSampleIndexed, 1, {
          text: `≤ ${TARGETS.bytesPerSample}`,
          reached: (v) => v <= TARGETS.bytesPerSample,
        }),
        row("rollups with indexes, % of the raw tier, 2 h", (f) => f.rollupPercentOfRaw, 1, null),
        rollupDayRow(runs),
        row("log line, table only, bytes", (f) => f.logBytesPerLine, 1, null),
        row("log line with indexes and search index, bytes", (f) => f.logBytesPerLineIndexed, 1, {
          text: `≤ ${TARGETS.lineTextMultiple} × text = ${cell(spread([text.median * TARGETS.lineTextMultiple]), 0)}`,
          reached: (v) => v <= text.median * TARGETS.lineTextMultiple,
        }),
        row("24 h of one container: query ms", (f) => f.dayQueryMs, 1, {
          text: `≤ ${TARGETS.dayQueryMs}`,
          reached: (v) => v <= TARGETS.dayQueryMs,
        }),
        row("24 h of one container: points returned", (f) => f.dayQueryPoints, 0, {
          text: "about 2,000",
          reached: (v) => v <= 2_000,
        }),
        row("store write, µs per metric sample", (f) => f.writeUsPerSample, 1, null),
        row("store write, µs per log line", (f) => f.writeUsPerLine, 1, null),
        ledgerRow(runs),
      ],
    ),
    "",
    ...rollupNote(rollupDay(runs), of("current", (f) => f.rawBytesPerSampleIndexed).median),
    ...(postgresRuns.length === 0
      ? []
      : postgresNote(postgresRuns, of("current", (f) => f.rawBytesPerSampleIndexed).median)),
    notes,
    "",
  ].join("\n");
}

/** The current schema's rollup share over 24 h of the fleet (median), or the 2 h one for results saved before it was measured. */
function rollupDay(runs: readonly StorageRun[]): number {
  return spread(runs.map((r) => r.current.rollupPercentOfRawDay ?? r.current.rollupPercentOfRaw)).median;
}

/** The table's row of the rollup share over 24 h: measured on the current SQLite schema only. */
function rollupDayRow(runs: readonly StorageRun[]): string[] {
  const measured = runs.flatMap((r) =>
    r.current.rollupPercentOfRawDay === undefined ? [] : [r.current.rollupPercentOfRawDay],
  );
  if (measured.length === 0)
    return [
      "rollups with indexes, % of the raw tier, 24 h",
      "–",
      "–",
      "–",
      `≤ ${TARGETS.rollupPercent} %`,
      "–",
    ];
  const current = spread(measured);
  return [
    "rollups with indexes, % of the raw tier, 24 h",
    "–",
    cell(current, 1),
    "–",
    `≤ ${TARGETS.rollupPercent} %`,
    current.median <= TARGETS.rollupPercent ? "yes" : "no",
  ];
}

/** The table's row of the batch ledger's bytes per batch: measured on the current SQLite schema only. */
function ledgerRow(runs: readonly StorageRun[]): string[] {
  const measured = runs.flatMap((r) =>
    r.current.ledgerBytesPerBatch === undefined ? [] : [r.current.ledgerBytesPerBatch],
  );
  return [
    "batch ledger with indexes, bytes per batch",
    "–",
    measured.length === 0 ? "–" : cell(spread(measured), 0),
    "–",
    "–",
    "–",
  ];
}

/**
 * PostgreSQL's raw tier beside SQLite's: the same chunks, in rows with their own overhead (a chunk
 * over 2 kB is stored out of line in the table's TOAST relation: postgresql.org/docs/15/storage-toast.html).
 */
function postgresNote(runs: readonly SchemaFigures[], sqliteBytesPerSample: number): string[] {
  const total = spread(runs.map((f) => f.rawBytesPerSampleIndexed)).median;
  const rollups = spread(runs.map((f) => f.rollupPercentOfRaw)).median;
  return [
    `PostgreSQL keeps raw samples and rollups in the same chunks as SQLite: ${num(total, 1)} bytes a sample with indexes`,
    `(${num(total / sqliteBytesPerSample, 1)} × SQLite's), rollups ${num(rollups, 1)} % of that. An hour of one container is one row whose chunk lies in the`,
    "table's TOAST relation; the rows of the minutes not packed yet are the only wide rows.",
    "",
  ];
}

/**
 * What a minute of rollups costs beside its raw samples, over 24 h of the fleet (`percent`), and
 * what the chunks keep (rollup-chunk.ts, format 3).
 */
function rollupNote(percent: number, rawBytesPerSample: number): string[] {
  const minuteOfRaw = rawBytesPerSample * 60;
  return [
    `Rollups over 24 h of the fleet: a minute of one container costs ${num(minuteOfRaw, 0)} bytes of raw samples (60 at 1 s) and`,
    `${num((minuteOfRaw * percent) / 100, 1)} bytes of rollup (its share of an hour's chunk and of the pages around it; ${TARGETS.rollupPercent} % would be ${num((minuteOfRaw * TARGETS.rollupPercent) / 100, 1)}).`,
    "An hour's chunk holds 14 integer columns, each in Rice codes of its values, deltas or deltas of deltas,",
    "whichever is shortest (chunk-codec.ts); since format 3 a minute is kept as its averages, minima and",
    "maxima at the precision a chart shows (CPU to a hundredth of a percentage point, memory to the page",
    "when its extremes are whole pages, pids whole) rather than as sums, which carried about 6 bits a",
    "column of digits no reader used. Over 2 h the share is higher: the 40 chunks fill 8 pages, and the",
    "table's interior page and its index's only page, nearly empty, add 2 that a server keeping days has once.",
    "",
  ];
}

function metricText(run: StorageRun): string {
  return `${run.samples.toLocaleString("en")} metric samples (20 containers at 1 s for 2 h, as an agent computes them: CPU % from integer nanoseconds, memory by pages, counters growing)`;
}
