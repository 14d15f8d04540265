"use client";
import type { LiveMessage } from "@crowsnest/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { type AnsiStyle, highlight, parseAnsi } from "../lib/ansi.ts";
import { errorText, query, request } from "../lib/api.ts";
import { useLiveTopic } from "../lib/hooks.ts";
import { gapRow, joinLogs, type LogRow, matchesFilter, rowFromLine, rowsToText } from "../lib/logs.ts";
import { LogsResponse } from "../lib/schemas.ts";
import { VirtualList } from "./virtual-list.tsx";

const ROW_HEIGHT = 18;
/** Lines kept in the browser; older ones are dropped (they stay searchable on the server). */
export const MAX_ROWS = 100_000;
const HISTORY_LIMIT = 1_000;

export interface LogViewState {
  q: string;
  stream: string;
  ts: string;
}

const segmentCache = new WeakMap<LogRow, ReturnType<typeof parseAnsi>>();

function styleOf(s: AnsiStyle): { className: string; style: React.CSSProperties | undefined } {
  const cls: string[] = [];
  const style: React.CSSProperties = {};
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
  return { className: cls.join(" "), style: Object.keys(style).length > 0 ? style : undefined };
}

export function LogView({
  hostId,
  containerId,
  state,
  setState,
}: {
  hostId: string;
  containerId: string;
  state: LogViewState;
  setState: (patch: Partial<LogViewState>) => void;
}) {
  const rowsRef = useRef<LogRow[]>([]);
  const pendingRef = useRef<LogRow[]>([]);
  const loadingRef = useRef(true);
  const [version, setVersion] = useState(0);
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [newWhilePaused, setNewWhilePaused] = useState(0);
  const [status, setStatus] = useState<"loading" | "ok" | "error">("loading");
  const [error, setError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [searchText, setSearchText] = useState(state.q);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const heldRef = useRef<LogRow[]>([]);
  const filterRef = useRef(state);
  filterRef.current = state;
  const showTs = state.ts !== "0";
  const base = `/api/hosts/${encodeURIComponent(hostId)}/containers/${containerId}/logs`;

  const bump = useCallback(() => setVersion((v) => v + 1), []);
  const append = useCallback(
    (rows: LogRow[]) => {
      const all = rowsRef.current;
      for (const r of rows) all.push(r);
      if (all.length > MAX_ROWS) all.splice(0, all.length - MAX_ROWS);
      bump();
    },
    [bump],
  );

  // Stored history (and search over it): reloaded whenever the query or stream filter changes.
  useEffect(() => {
    const ac = new AbortController();
    loadingRef.current = true;
    pendingRef.current = [];
    rowsRef.current = [];
    setStatus("loading");
    setError(null);
    bump();
    const stream = state.stream === "all" ? null : state.stream;
    request(LogsResponse, `${base}${query({ q: state.q, stream, limit: HISTORY_LIMIT })}`, {
      signal: ac.signal,
    }).then(
      (res) => {
        if (ac.signal.aborted) return;
        rowsRef.current = joinLogs(res.lines.map(rowFromLine), pendingRef.current);
        pendingRef.current = [];
        loadingRef.current = false;
        setCursor(res.nextCursor);
        setStatus("ok");
        bump();
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        loadingRef.current = false;
        rowsRef.current = pendingRef.current;
        pendingRef.current = [];
        setError(errorText(err));
        setStatus("error");
        bump();
      },
    );
    return () => ac.abort();
  }, [base, state.q, state.stream, bump]);

  const onLive = useCallback(
    (m: LiveMessage) => {
      let rows: LogRow[];
      if (m.type === "logs") {
        const f = filterRef.current;
        rows = m.lines.map(rowFromLine).filter((r) => matchesFilter(r, f.stream, f.q));
      } else if (m.type === "gap" && m.droppedLines > 0) {
        rows = [gapRow(m.droppedLines, m.reason.replace("_", " "))];
      } else return;
      if (rows.length === 0) return;
      if (loadingRef.current) {
        pendingRef.current.push(...rows);
        return;
      }
      if (pausedRef.current) {
        heldRef.current.push(...rows);
        setNewWhilePaused(heldRef.current.length);
        return;
      }
      append(rows);
    },
    [append],
  );
  useLiveTopic({ kind: "container", hostId, containerId }, onLive);

  const resume = () => {
    const held = heldRef.current;
    heldRef.current = [];
    setNewWhilePaused(0);
    setPaused(false);
    setFollow(true);
    append(held);
  };

  const loadOlder = async () => {
    if (!cursor) return;
    const stream = state.stream === "all" ? null : state.stream;
    try {
      const res = await request(
        LogsResponse,
        `${base}${query({ q: state.q, stream, limit: HISTORY_LIMIT, cursor })}`,
      );
      rowsRef.current = [...res.lines.map(rowFromLine), ...rowsRef.current].slice(-MAX_ROWS);
      setCursor(res.nextCursor);
      setFollow(false);
      bump();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const download = () => {
    const blob = new Blob([rowsToText(rowsRef.current, true)], { type: "text/plain;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `${containerId.slice(0, 12)}-logs.txt`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  // Debounced search box -> URL.
  useEffect(() => setSearchText(state.q), [state.q]);
  useEffect(() => {
    if (searchText === state.q) return;
    const t = setTimeout(() => setState({ q: searchText }), 350);
    return () => clearTimeout(t);
  }, [searchText, state.q, setState]);

  const rows = rowsRef.current;
  void version;
  const renderRow = (i: number) => {
    const r = rows[i];
    if (!r) return null;
    if (r.kind === "gap") {
      return (
        <div key={r.key} className="log-row log-gap" data-testid="log-gap">
          — {r.count} line{r.count === 1 ? "" : "s"} not shown ({r.reason}) —
        </div>
      );
    }
    let segs = segmentCache.get(r);
    if (!segs) {
      segs = parseAnsi(r.text);
      segmentCache.set(r, segs);
    }
    const pieces = highlight(segs, state.q);
    return (
      <div
        key={r.key}
        className={`log-row ${r.stream === "stderr" ? "log-stderr" : ""}`}
        data-testid="log-line"
      >
        {showTs && <span className="log-ts">{r.ts.replace("T", " ").replace(/(\.\d{3})\d*Z$/, "$1")}</span>}
        {r.stream === "stderr" && <span className="log-stream">err</span>}
        <span className="log-text">
          {pieces.map((p, j) => {
            const { className, style } = styleOf(p.style);
            const key = `${j}`;
            return p.match ? (
              <mark key={key} className={className} style={style}>
                {p.text}
              </mark>
            ) : (
              <span key={key} className={className || undefined} style={style}>
                {p.text}
              </span>
            );
          })}
          {r.truncated && <span className="log-trunc"> [truncated]</span>}
        </span>
      </div>
    );
  };

  return (
    <section className="card logs" aria-label="Logs" data-testid="logs">
      <div className="log-toolbar">
        <input
          type="search"
          placeholder="Search logs (stored history too)"
          aria-label="Search logs"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
          data-testid="log-search"
        />
        <select
          aria-label="Stream"
          value={state.stream}
          onChange={(e) => setState({ stream: e.target.value })}
          data-testid="log-stream"
        >
          <option value="all">stdout + stderr</option>
          <option value="stdout">stdout</option>
          <option value="stderr">stderr</option>
        </select>
        <label className="check">
          <input
            type="checkbox"
            checked={showTs}
            onChange={(e) => setState({ ts: e.target.checked ? "1" : "0" })}
            data-testid="log-timestamps"
          />
          timestamps
        </label>
        {paused ? (
          <button type="button" onClick={resume} data-testid="log-resume">
            ▶ Resume{newWhilePaused > 0 ? ` (${newWhilePaused} new)` : ""}
          </button>
        ) : (
          <button type="button" onClick={() => setPaused(true)} data-testid="log-pause">
            ❚❚ Pause
          </button>
        )}
        <button
          type="button"
          onClick={() => setFollow(true)}
          disabled={follow}
          aria-pressed={follow}
          data-testid="log-follow"
        >
          ↓ Follow
        </button>
        <button type="button" onClick={download} data-testid="log-download">
          Download
        </button>
        <span className="muted" data-testid="log-count">
          {rows.length.toLocaleString()} lines
        </span>
      </div>
      {error && (
        <div className="state state-error" role="alert" data-testid="log-error">
          {error}
        </div>
      )}
      {cursor && status === "ok" && (
        <button type="button" className="link" onClick={() => void loadOlder()} data-testid="log-older">
          Load older lines
        </button>
      )}
      {status === "loading" && rows.length === 0 ? (
        <div className="state" data-testid="log-loading">
          Loading logs…
        </div>
      ) : rows.length === 0 ? (
        <div className="state state-empty" data-testid="log-empty">
          {state.q ? `No lines match “${state.q}”.` : "No log lines yet."}
        </div>
      ) : (
        <VirtualList
          count={rows.length}
          rowHeight={ROW_HEIGHT}
          renderRow={renderRow}
          follow={follow && !paused}
          onFollowChange={setFollow}
          className="log-list"
          testId="log-list"
        />
      )}
    </section>
  );
}
