import { checkedRows } from "../chunk-codec.ts";
import { HOUR } from "../metric-chunk.ts";
import { fromStoredRow, ROLLUP_ROW_COLUMNS } from "../minute-rollups.ts";
import {
  decodeRollupChunk,
  encodeRollupChunk,
  mergeRollups,
  type RollupRow,
  type StoredRollupChunk,
} from "../rollup-chunk.ts";

/**
 * A one-minute rollup as the PostgreSQL store keeps it: with `latestT`, the time (epoch ms) of the
 * latest sample it counts, whose memory limit it holds (migration 3). Replicas may store a
 * minute's samples in any order, so the limit of two rollups merged is that of the later one.
 */
export interface LatestRollup extends RollupRow {
  latestT: number;
}

/** The columns of a `metric_rollups` row as a LatestRollup, CPU in percent: see `fromLatestRow`. */
export const LATEST_ROLLUP_COLUMNS = `${ROLLUP_ROW_COLUMNS}, latest_t AS "latestT"`;

/**
 * A row read with LATEST_ROLLUP_COLUMNS as a LatestRollup: CPU in CPU_UNITS, rounded (the row sums
 * samples' CPU as they came; a rollup keeps it to CPU_UNITS, as SQLite's, once packed).
 */
export function fromLatestRow(row: LatestRollup): LatestRollup {
  return { ...fromStoredRow(row), latestT: row.latestT };
}

/** The field a LatestRollup keeps beside a RollupRow, in its chunk too. */
const LATEST: readonly "latestT"[] = ["latestT"];

/** One series' rollups (one per minute) as a chunk of `metric_rollup_chunks` (migration 5), sorted by minute (encodeRollupChunk). */
export function encodeLatestRollups(rows: readonly LatestRollup[]): Uint8Array {
  return encodeRollupChunk(rows, LATEST);
}

/** The rollups of a chunk made by encodeLatestRollups, oldest first. */
export function decodeLatestRollups(chunk: Uint8Array): LatestRollup[] {
  return decodeRollupChunk(chunk, LATEST);
}

/** The rollups of a stored chunk of `n` minutes of the hour from `hour`; throws when it is damaged (checkedRows). */
export function storedLatestRollups(chunk: StoredRollupChunk): LatestRollup[] {
  return checkedRows(
    decodeLatestRollups(chunk.data),
    { n: chunk.n, start: chunk.hour, span: HOUR },
    (r) => r.minute,
  );
}

/** Rollups of one series as one per minute, oldest first: those of the same minute merged (mergeLatest). */
export function combineLatest(rows: readonly LatestRollup[]): LatestRollup[] {
  const byMinute = new Map<number, LatestRollup>();
  for (const row of rows) {
    const known = byMinute.get(row.minute);
    byMinute.set(row.minute, known === undefined ? row : mergeLatest(known, row));
  }
  return [...byMinute.values()].sort((a, b) => a.minute - b.minute);
}

/**
 * Two rollups of one minute as one (mergeRollups), the limit the later one's whichever comes first,
 * and a counter the highest either has, as the rows' upsert takes it (`greatest` skips a null).
 */
function mergeLatest(a: LatestRollup, b: LatestRollup): LatestRollup {
  const [earlier, later] = a.latestT <= b.latestT ? [a, b] : [b, a];
  return {
    ...mergeRollups(earlier, later),
    netRx: greatest(a.netRx, b.netRx),
    netTx: greatest(a.netTx, b.netTx),
    latestT: later.latestT,
  };
}

/** PostgreSQL's `greatest`: the larger, ignoring a null; null when both are. */
function greatest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}
