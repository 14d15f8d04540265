import { type ContainerEventRecord, isBootBoundary, stripAnsi } from "@crowsnest/protocol";
import type { LogRow } from "./logs.ts";

/** Where a container's process ended between two boots (a `die` event): exit code, time, OOM. */
export interface BootDivider {
  kind: "divider";
  key: string;
  time: number;
  exitCode: number | null;
  oomKilled: boolean;
}

/** What the log view lists: log lines, gap notices and boot dividers. */
export type DisplayRow = LogRow | BootDivider;

/**
 * Log rows with a divider at each end of a boot (`isBootBoundary`), placed by time: before the
 * first line written after the container's process died. Dividers older than the first loaded line
 * are left out while older lines remain to be loaded (`complete` false): their place is unknown.
 */
export function withBootDividers(
  rows: readonly LogRow[],
  events: readonly ContainerEventRecord[],
  complete: boolean,
): DisplayRow[] {
  const dies = events.filter(isBootBoundary).sort((a, b) => a.time - b.time);
  if (dies.length === 0) return rows as DisplayRow[];
  const firstLine = rows.find((r) => r.kind === "line");
  const from = complete || firstLine?.kind !== "line" ? -Infinity : Date.parse(firstLine.ts);
  let next = dies.findIndex((e) => e.time >= from);
  if (next === -1) return rows as DisplayRow[];
  const out: DisplayRow[] = [];
  for (const row of rows) {
    if (row.kind === "line") {
      const t = Date.parse(row.ts);
      while (next < dies.length && (dies[next]?.time ?? Infinity) < t) out.push(divider(dies[next++]));
    }
    out.push(row);
  }
  while (next < dies.length) out.push(divider(dies[next++]));
  return out;
}

function divider(event: ContainerEventRecord | undefined): BootDivider {
  const e = event ?? { time: 0, exitCode: null, oomKilled: false };
  return { kind: "divider", key: `d${e.time}`, time: e.time, exitCode: e.exitCode, oomKilled: e.oomKilled };
}

/** "exited with code 1 (OOM-killed)" — a boot's end as the divider and the summaries say it. */
export function exitText(exitCode: number | null, oomKilled: boolean): string {
  const code = exitCode === null ? "exited" : `exited with code ${exitCode}`;
  return oomKilled ? `${code} (OOM-killed)` : code;
}

/** Columns a wrapped row takes beside its text: the timestamp and the stderr mark, each with a 1ch gap. */
const TS_COLUMNS = 24;
const STDERR_COLUMNS = 4;
const TRUNCATED_COLUMNS = " [truncated]".length;
const TAB_COLUMNS = 8;
const textColumns = new WeakMap<LogRow, number>();

/**
 * How many screen lines a row takes when wrapped at `columns` characters (the log font is
 * monospaced and wrapped rows break anywhere, so this is exact but for wide characters).
 */
export function wrappedLines(row: DisplayRow, columns: number, showTs: boolean): number {
  if (row.kind !== "line") return 1;
  let n = textColumns.get(row);
  if (n === undefined) {
    const text = stripAnsi(row.text);
    n = 0;
    for (const ch of text) n += ch === "\t" ? TAB_COLUMNS : 1;
    textColumns.set(row, n);
  }
  const total =
    n +
    (showTs ? TS_COLUMNS : 0) +
    (row.stream === "stderr" ? STDERR_COLUMNS : 0) +
    (row.truncated ? TRUNCATED_COLUMNS : 0);
  return Math.max(1, Math.ceil(total / Math.max(1, columns)));
}
