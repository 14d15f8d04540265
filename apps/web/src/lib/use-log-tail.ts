"use client";
import { type LiveMessage, LogsResponse } from "@crowsnest/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { useSession } from "../components/session.tsx";
import { errorText, query, request } from "./api.ts";
import { compileSearch, type SearchState } from "./log-search.ts";
import { gapRow, joinLogs, type LogRow, matchesFilter, newRows, rowFromLine } from "./logs.ts";
import { useLiveTopic } from "./use-live-topic.ts";

/** Lines kept in the browser; older ones are dropped (they stay searchable on the server). */
const MAX_ROWS = 100_000;
const PAGE_LINES = 1_000;

export interface LogFilter extends SearchState {
  /** "stdout", "stderr", or anything else for both. */
  stream: string;
}

export interface LogTail {
  /** Mutated in place as lines arrive; `version` changes whenever it does. */
  rows: readonly LogRow[];
  version: number;
  status: "loading" | "ok" | "error";
  error: string | null;
  hasOlder: boolean;
  loadOlder: () => Promise<void>;
  paused: boolean;
  /** Lines received while paused, shown on resume. */
  held: number;
  pause: () => void;
  resume: () => void;
  /** The agent reads this container's log behind its writing (its last report), or null. */
  lag: LogLag | null;
  /** Lines the server's substring scan read when it stopped at its limit (the last page asked), or null. */
  scanned: number | null;
}

/** How far behind the agent last said it reads (ms, Docker time of its last line vs its clock), and when it said so. */
export interface LogLag {
  behindMs: number;
  receivedAt: number;
}

/** A lag report older than this is not shown (the agent reports about once a second while behind). */
const LAG_STALE_MS = 5_000;

/**
 * A container's log: stored history matching the filter, joined to the live stream without
 * repeating a line, with older pages on demand and a pause that holds new lines back. Live lines
 * arrive before the server has stored them. From a disconnect of the live socket on, live lines
 * wait; once the topic is subscribed again (the server answers when what it relayed meanwhile is
 * stored) the newest stored page is fetched and merged with them by identity (time, stream,
 * text): lines missed while away are filled in, and none is shown twice.
 */
export function useLogTail(hostId: string, containerId: string, filter: LogFilter): LogTail {
  const rowsRef = useRef<LogRow[]>([]);
  /** Live rows received while the history loads; null once it has. */
  const pendingRef = useRef<LogRow[] | null>([]);
  /** The history is loading (its own load joins the live rows that arrive meanwhile). */
  const loadingRef = useRef(true);
  const heldRef = useRef<LogRow[]>([]);
  /** Counts history loads: a backfill started before the latest one (another filter) is dropped. */
  const loadsRef = useRef(0);
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<LogTail["status"]>("loading");
  const [error, setError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState(0);
  const [lag, setLag] = useState<LogLag | null>(null);
  const [scanned, setScanned] = useState<number | null>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const base = `/api/hosts/${encodeURIComponent(hostId)}/containers/${containerId}/logs`;
  const url = useCallback(
    (cursor: string | null) =>
      `${base}${query({
        q: filter.q,
        match: filter.match === "substring" ? "substring" : null,
        case: filter.case === "sensitive" ? "sensitive" : null,
        stream: filter.stream === "stdout" || filter.stream === "stderr" ? filter.stream : null,
        limit: PAGE_LINES,
        cursor,
      })}`,
    [base, filter.q, filter.match, filter.case, filter.stream],
  );

  const bump = useCallback(() => setVersion((v) => v + 1), []);
  const append = useCallback(
    (rows: readonly LogRow[]) => {
      const all = rowsRef.current;
      for (const r of rows) all.push(r);
      if (all.length > MAX_ROWS) all.splice(0, all.length - MAX_ROWS);
      bump();
    },
    [bump],
  );

  useEffect(() => {
    const ac = new AbortController();
    const settle = (history: LogRow[]) => {
      rowsRef.current = joinLogs(history, pendingRef.current ?? []);
      pendingRef.current = null;
      loadingRef.current = false;
      bump();
    };
    loadsRef.current++;
    loadingRef.current = true;
    pendingRef.current = [];
    heldRef.current = [];
    rowsRef.current = [];
    setHeld(0);
    setStatus("loading");
    setError(null);
    bump();
    request(LogsResponse, url(null), { signal: ac.signal }).then(
      (res) => {
        if (ac.signal.aborted) return;
        setCursor(res.nextCursor);
        setScanned(res.scanned ?? null);
        setStatus("ok");
        settle(res.lines.map(rowFromLine));
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        setError(errorText(err));
        setStatus("error");
        settle([]);
      },
    );
    return () => ac.abort();
  }, [url, bump]);

  const backfill = useCallback(() => {
    if (loadingRef.current) return; // the history load joins what arrives meanwhile
    pendingRef.current ??= [];
    const load = loadsRef.current;
    const settle = (stored: LogRow[]) => {
      if (loadsRef.current !== load) return; // the history was reloaded meanwhile, with what came in
      const shown = [...rowsRef.current, ...heldRef.current];
      const missed = newRows(shown, stored);
      const added = [...missed, ...newRows([...shown, ...missed], pendingRef.current ?? [])];
      pendingRef.current = null;
      if (added.length === 0) return;
      if (pausedRef.current) {
        heldRef.current.push(...added);
        setHeld(heldRef.current.length);
      } else append(added);
    };
    request(LogsResponse, url(null)).then(
      (res) => settle(res.lines.map(rowFromLine)),
      (err: unknown) => {
        setError(errorText(err));
        settle([]);
      },
    );
  }, [url, append]);

  const onLive = useCallback(
    (m: LiveMessage) => {
      let rows: LogRow[];
      if (m.type === "subscribed") {
        backfill();
        return;
      } else if (m.type === "logs") {
        const { stream } = filterRef.current;
        const search = compileSearch(filterRef.current);
        rows = m.lines.map(rowFromLine).filter((r) => matchesFilter(r, stream, search));
      } else if (m.type === "gap" && m.droppedLines !== 0) {
        rows = [gapRow(m.droppedLines, m.reason.replaceAll("_", " "))];
      } else if (m.type === "log_lag") {
        setLag(m.lag.behindMs > 0 ? { behindMs: m.lag.behindMs, receivedAt: Date.now() } : null);
        return;
      } else return;
      if (pendingRef.current) {
        pendingRef.current.push(...rows);
        return;
      }
      // An agent resends what the server had not acked when it restarted: after the backfill,
      // those lines come again live, and are repeats of what is shown.
      const held = heldRef.current;
      rows = newRows(held.some((r) => r.kind === "line") ? held : rowsRef.current, rows);
      if (rows.length === 0) return;
      if (pausedRef.current) {
        heldRef.current.push(...rows);
        setHeld(heldRef.current.length);
      } else append(rows);
    },
    [append, backfill],
  );
  useLiveTopic({ kind: "container", hostId, containerId }, onLive);
  const { live } = useSession();
  useEffect(
    () =>
      live?.onStatus((s) => {
        if (s === "reconnecting") pendingRef.current ??= []; // until the backfill after resubscribing
      }),
    [live],
  );
  // A lagging follower reports about once a second; silence means its agent is gone, not caught up.
  useEffect(() => {
    if (lag === null) return;
    const t = setTimeout(() => setLag(null), LAG_STALE_MS);
    return () => clearTimeout(t);
  }, [lag]);

  const loadOlder = useCallback(async () => {
    if (!cursor) return;
    try {
      const res = await request(LogsResponse, url(cursor));
      rowsRef.current = [...res.lines.map(rowFromLine), ...rowsRef.current].slice(-MAX_ROWS);
      setCursor(res.nextCursor);
      setScanned(res.scanned ?? null);
      bump();
    } catch (err) {
      setError(errorText(err));
    }
  }, [cursor, url, bump]);

  const resume = useCallback(() => {
    const rows = heldRef.current;
    heldRef.current = [];
    setHeld(0);
    setPaused(false);
    append(rows);
  }, [append]);
  const pause = useCallback(() => setPaused(true), []);

  return {
    rows: rowsRef.current,
    version,
    status,
    error,
    hasOlder: cursor !== null,
    loadOlder,
    paused,
    held,
    pause,
    resume,
    lag,
    scanned,
  };
}
