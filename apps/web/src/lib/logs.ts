import type { LogLine, StoredLogLine } from "@crowsnest/protocol";
import { findLogMatches, type LogSearch, stripAnsi } from "@crowsnest/protocol";

export type LogRow =
  | { kind: "line"; key: string; ts: string; stream: "stdout" | "stderr"; text: string; truncated: boolean }
  /** count null: unknown (lines rotated out of Docker's log before they were read). */
  | { kind: "gap"; key: string; count: number | null; reason: string; at: number };

let seq = 0;
function nextKey(): string {
  seq++;
  return `l${seq}`;
}

/** Docker timestamps carry 0-9 fractional digits; padded to 9 they sort as strings. */
export function tsKey(ts: string): string {
  const m = /^(.*?T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? "").padEnd(9, "0")}Z`;
}

export function rowFromLine(line: LogLine | StoredLogLine): LogRow {
  return {
    kind: "line",
    key: "id" in line ? `s${line.id}` : nextKey(),
    ts: line.ts,
    stream: line.stream,
    text: line.text,
    truncated: line.truncated,
  };
}

export function gapRow(count: number | null, reason: string): LogRow {
  return { kind: "gap", key: nextKey(), count, reason, at: Date.now() };
}

function identity(r: LogRow): string {
  return r.kind === "line" ? `${tsKey(r.ts)}|${r.stream}|${r.text}` : r.key;
}

/**
 * The rows of `incoming` (oldest first) that `shown` (oldest first) lacks: a line older than the
 * last line shown, or as old with the same identity (time, stream, text), is a repeat — a resent
 * batch, or a stored page overlapping what the live stream brought. Gap notices always pass. Reads
 * `shown` backwards only as far as its last timestamp, so it is cheap per live frame.
 */
export function newRows(shown: readonly LogRow[], incoming: readonly LogRow[]): LogRow[] {
  let i = shown.length - 1;
  while (i >= 0 && shown[i]?.kind !== "line") i--;
  const lastLine = shown[i];
  if (lastLine?.kind !== "line") return [...incoming];
  const last = tsKey(lastLine.ts);
  const seen = new Set<string>();
  for (; i >= 0; i--) {
    const r = shown[i];
    if (r?.kind !== "line") continue;
    if (tsKey(r.ts) !== last) break;
    seen.add(identity(r));
  }
  return incoming.filter((r) => {
    if (r.kind === "gap") return true;
    const k = tsKey(r.ts);
    return k > last || (k === last && !seen.has(identity(r)));
  });
}

/** Stored lines (oldest first) joined with live lines received while they loaded, none repeated (see newRows). */
export function joinLogs(history: LogRow[], live: LogRow[]): LogRow[] {
  return [...history, ...newRows(history, live)];
}

/** Whether a live row belongs in a view filtered by stream and search (gap notices always do). */
export function matchesFilter(r: LogRow, stream: string, search: LogSearch | null): boolean {
  if (r.kind === "gap") return true;
  if (stream !== "all" && r.stream !== stream) return false;
  return search === null || findLogMatches(stripAnsi(r.text), search) !== null;
}

export function rowsToText(rows: readonly LogRow[], withTimestamps: boolean): string {
  return rows
    .map((r) =>
      r.kind === "gap"
        ? `--- ${gapText(r.count, r.reason)} ---`
        : `${withTimestamps ? `${r.ts} ` : ""}${r.stream === "stderr" ? "[stderr] " : ""}${stripAnsi(r.text)}`,
    )
    .join("\n");
}

/** "3 lines not shown (slow consumer)", or, count unknown, "lines not shown (rotated)". */
export function gapText(count: number | null, reason: string): string {
  const lines = count === null ? "lines" : `${count} line${count === 1 ? "" : "s"}`;
  return `${lines} not shown (${reason})`;
}
