import { findLogMatches, type LogSearch } from "@crowsnest/protocol";
import type { CSSProperties } from "react";
import { type AnsiSegment, type AnsiStyle, highlight, parseAnsi } from "../lib/ansi.ts";
import { gapText, type LogRow } from "../lib/logs.ts";

/** Parsed once per row: rows are immutable and re-rendered on every scroll frame. */
const segmentCache = new WeakMap<LogRow, AnsiSegment[]>();

function segmentsOf(row: LogRow & { kind: "line" }): AnsiSegment[] {
  let segments = segmentCache.get(row);
  if (!segments) {
    segments = parseAnsi(row.text);
    segmentCache.set(row, segments);
  }
  return segments;
}

/** Palette colours become theme classes; exact (256-colour, truecolour) ones inline styles. */
function styleOf(s: AnsiStyle): { className: string | undefined; style: CSSProperties | undefined } {
  const cls: string[] = [];
  const style: CSSProperties = {};
  let fg = s.fg;
  let bg = s.bg;
  if (s.inverse) [fg, bg] = [bg ?? "fg", fg ?? "bg"];
  if (typeof fg === "number") cls.push(`ansi-fg-${fg}`);
  else if (fg === "bg") cls.push("ansi-fg-inv");
  else if (typeof fg === "string") style.color = fg;
  if (typeof bg === "number") cls.push(`ansi-bg-${bg}`);
  else if (bg === "fg") cls.push("ansi-bg-inv");
  else if (typeof bg === "string") style.backgroundColor = bg;
  if (s.bold) cls.push("ansi-bold");
  if (s.dim) cls.push("ansi-dim");
  if (s.italic) cls.push("ansi-italic");
  if (s.underline) cls.push("ansi-underline");
  return {
    className: cls.length > 0 ? cls.join(" ") : undefined,
    style: Object.keys(style).length > 0 ? style : undefined,
  };
}

/** Milliseconds are enough on screen; the download keeps Docker's full timestamp. */
const shortTs = (ts: string) => ts.replace("T", " ").replace(/(\.\d{3})\d*Z$/, "$1");

/** One log row. The text is rendered as text nodes only: log output is never HTML. */
export function LogLine({ row, search, showTs }: { row: LogRow; search: LogSearch | null; showTs: boolean }) {
  if (row.kind === "gap") {
    return (
      <div className="log-row log-gap" data-testid="log-gap">
        — {gapText(row.count, row.reason)} —
      </div>
    );
  }
  const segments = segmentsOf(row);
  const ranges = search ? (findLogMatches(segments.map((s) => s.text).join(""), search) ?? []) : [];
  return (
    <div className={`log-row ${row.stream === "stderr" ? "log-stderr" : ""}`} data-testid="log-line">
      {showTs && <span className="log-ts">{shortTs(row.ts)}</span>}
      {row.stream === "stderr" && <span className="log-stream">err</span>}
      <span className="log-text">
        {highlight(segments, ranges).map((p, j) => {
          const { className, style } = styleOf(p.style);
          const key = `${j}`;
          return p.match ? (
            <mark key={key} className={className} style={style}>
              {p.text}
            </mark>
          ) : (
            <span key={key} className={className} style={style}>
              {p.text}
            </span>
          );
        })}
        {row.truncated && <span className="log-trunc"> [truncated]</span>}
      </span>
    </div>
  );
}
