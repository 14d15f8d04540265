"use client";
import {
  type ContainerEventRecord,
  ContainerEventsResponse,
  isBootBoundary,
  type LiveMessage,
  logSearchWords,
} from "@crowsnest/protocol";
import { type RefObject, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { request } from "../lib/api.ts";
import { downloadText } from "../lib/download.ts";
import { type BootDivider, exitText, withBootDividers, wrappedLines } from "../lib/log-layout.ts";
import { compileSearch } from "../lib/log-search.ts";
import { rowsToText } from "../lib/logs.ts";
import { useDebouncedText } from "../lib/use-debounced-text.ts";
import { useLiveTopic } from "../lib/use-live-topic.ts";
import { type LogFilter, useLogTail } from "../lib/use-log-tail.ts";
import { rowOffsets } from "../lib/windowing.ts";
import { LogLine } from "./log-line.tsx";
import { VirtualList } from "./virtual-list.tsx";

const ROW_HEIGHT = 18;
/** Below this width (the phone layout's breakpoint) long lines wrap by default. */
const PHONE_QUERY = "(max-width: 720px)";
/** The row's horizontal padding (0.5rem each side), which wrapped text does not use. */
const ROW_PADDING_PX = 16;

/** The log view's URL state: search words, stream, and timestamps ("0" hides them). */
export interface LogViewState extends LogFilter {
  ts: string;
}

/**
 * A container's lifecycle events that end a boot (`die`): stored ones, then live ones. The log
 * view marks each as a divider, so the boots of a crash loop do not run together.
 */
function useBootEvents(hostId: string, containerId: string): ContainerEventRecord[] {
  const [events, setEvents] = useState<ContainerEventRecord[]>([]);
  useEffect(() => {
    const ac = new AbortController();
    const path = `/api/hosts/${encodeURIComponent(hostId)}/containers/${containerId}/events`;
    request(ContainerEventsResponse, path, { signal: ac.signal }).then(
      (res) => setEvents((live) => merge(res.events.filter(isBootBoundary), live)),
      // Without its events the log still reads; it only lacks the dividers.
      () => undefined,
    );
    return () => ac.abort();
  }, [hostId, containerId]);
  const onLive = useCallback(
    (m: LiveMessage) => {
      if (m.type !== "event" || m.event.containerId !== containerId || !isBootBoundary(m.event)) return;
      const { time, action, exitCode } = m.event;
      const oomKilled = m.event.container?.oomKilled ?? false;
      setEvents((known) => merge(known, [{ time, action, exitCode, oomKilled }]));
    },
    [containerId],
  );
  useLiveTopic({ kind: "container", hostId, containerId }, onLive);
  return events;
}

function merge(a: ContainerEventRecord[], b: ContainerEventRecord[]): ContainerEventRecord[] {
  const seen = new Set(a.map((e) => `${e.time}|${e.action}`));
  return [...a, ...b.filter((e) => !seen.has(`${e.time}|${e.action}`))].sort((x, y) => x.time - y.time);
}

/** The wrap toggle's default: on at phone width, where long lines would otherwise scroll sideways. */
function phoneWidth(): boolean {
  return typeof window !== "undefined" && window.matchMedia(PHONE_QUERY).matches;
}

/** Width of one character of the log font and the list's inner width, measured, for wrapped heights. */
function useColumns(
  list: RefObject<HTMLDivElement | null>,
  probe: RefObject<HTMLSpanElement | null>,
  listShown: boolean,
): number {
  const [columns, setColumns] = useState(80);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the list element appears with the first row
  useLayoutEffect(() => {
    const el = list.current;
    const ch = probe.current;
    if (!el || !ch) return;
    const measure = () => {
      const charWidth = ch.getBoundingClientRect().width / 10 || 7.2;
      setColumns(Math.max(1, Math.floor((el.clientWidth - ROW_PADDING_PX) / charWidth)));
    };
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    measure();
    return () => ro.disconnect();
  }, [list, probe, listShown]);
  return columns;
}

/** A container's live log tail: virtualized, followed or paused, searchable, downloadable. */
export function LogView({
  hostId,
  containerId,
  name,
  state,
  setState,
}: {
  hostId: string;
  containerId: string;
  /** The container's name, for saying what an empty search searched. */
  name: string;
  state: LogViewState;
  setState: (patch: Partial<LogViewState>) => void;
}) {
  const tail = useLogTail(hostId, containerId, state);
  const [follow, setFollow] = useState(true);
  const [searchText, setSearchText] = useDebouncedText(state.q, (q) => setState({ q }));
  const search = useMemo(
    () => compileSearch({ q: state.q, match: state.match, case: state.case }),
    [state.q, state.match, state.case],
  );
  const showTs = state.ts !== "0";
  const { rows } = tail;
  const events = useBootEvents(hostId, containerId);
  const [wrap, setWrap] = useState(phoneWidth);
  const [full, setFull] = useState(false);
  const listRef = useRef<HTMLDivElement | null>(null);
  const probeRef = useRef<HTMLSpanElement | null>(null);
  const columns = useColumns(listRef, probeRef, rows.length > 0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: rows change in place; tail.version says when
  const shown = useMemo(
    () => withBootDividers(rows, events, !tail.hasOlder),
    [rows, events, tail.hasOlder, tail.version],
  );
  const offsets = useMemo(
    () =>
      wrap
        ? rowOffsets(shown.length, (i) => {
            const row = shown[i];
            return ROW_HEIGHT * (row ? wrappedLines(row, columns, showTs) : 1);
          })
        : undefined,
    [wrap, shown, columns, showTs],
  );
  useEffect(() => {
    if (!full) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setFull(false);
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [full]);

  return (
    <section
      className={`card logs${full ? " logs-full" : ""}`}
      aria-label="Logs"
      data-testid="logs"
      data-full={full ? "1" : "0"}
    >
      <span ref={probeRef} className="log-row log-probe" aria-hidden="true">
        0000000000
      </span>
      <div className="log-toolbar">
        <input
          type="search"
          placeholder="Search words (stored history too)"
          aria-label="Search logs"
          value={searchText}
          onChange={(e) => setSearchText(e.target.value)}
          data-testid="log-search"
        />
        <select
          aria-label="Where words may occur"
          title="Start of a word searches the whole history; anywhere scans this container's newest lines, up to a limit"
          value={state.match === "substring" ? "substring" : "prefix"}
          onChange={(e) => setState({ match: e.target.value })}
          data-testid="log-match"
        >
          <option value="prefix">word starts</option>
          <option value="substring">anywhere</option>
        </select>
        <label className="check" title="Match upper and lower case exactly as typed">
          <input
            type="checkbox"
            checked={state.case === "sensitive"}
            onChange={(e) => setState({ case: e.target.checked ? "sensitive" : "insensitive" })}
            data-testid="log-case"
          />
          Aa
        </label>
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
        <label className="check">
          <input
            type="checkbox"
            checked={wrap}
            onChange={(e) => setWrap(e.target.checked)}
            data-testid="log-wrap"
          />
          wrap
        </label>
        <button
          type="button"
          onClick={() => setFull(!full)}
          aria-pressed={full}
          title={full ? "Back to the page (Esc)" : "Show the logs over the whole window"}
          data-testid="log-fullscreen"
        >
          {full ? "✕ Exit full screen" : "⤢ Full screen"}
        </button>
        {tail.paused ? (
          <button
            type="button"
            onClick={() => {
              tail.resume();
              setFollow(true);
            }}
            data-testid="log-resume"
          >
            ▶ Resume{tail.held > 0 ? ` (${tail.held} new)` : ""}
          </button>
        ) : (
          <button type="button" onClick={tail.pause} data-testid="log-pause">
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
        <button
          type="button"
          onClick={() => downloadText(`${containerId.slice(0, 12)}-logs.txt`, rowsToText(rows, true))}
          title="Saves the lines loaded here (load older lines first for more), with full timestamps"
          data-testid="log-download"
        >
          Download
        </button>
        <span className="muted" data-testid="log-count" data-version={tail.version}>
          {rows.length.toLocaleString()} lines
        </span>
        {tail.scanned !== null && (
          <span
            className="muted"
            title="A search anywhere in words reads lines newest first and stops at a limit; scan older lines to go on"
            data-testid="log-scanned"
          >
            scanned {tail.scanned.toLocaleString()} lines
          </span>
        )}
        {tail.lag && (
          <span
            className="badge log-lag"
            title="This container writes faster than the agent's per-container rate (CROWSNEST_LOG_RATE): its lines are read from Docker's log file more slowly and caught up, none dropped"
            data-testid="log-lag"
            data-behind-ms={tail.lag.behindMs}
          >
            {Math.ceil(tail.lag.behindMs / 1000).toLocaleString()} s behind
          </span>
        )}
      </div>
      {tail.error && (
        <div className="state state-error" role="alert" data-testid="log-error">
          {tail.error}
        </div>
      )}
      {tail.hasOlder && tail.status === "ok" && (
        <button
          type="button"
          className="link"
          onClick={() => {
            setFollow(false);
            void tail.loadOlder();
          }}
          data-testid="log-older"
        >
          {tail.scanned !== null ? "Scan older lines" : "Load older lines"}
        </button>
      )}
      {tail.status === "loading" && rows.length === 0 ? (
        <div className="state" data-testid="log-loading">
          Loading logs…
        </div>
      ) : rows.length === 0 ? (
        <div className="state state-empty" data-testid="log-empty">
          {search ? (
            <EmptySearch name={name} state={state} scanned={tail.scanned} setState={setState} />
          ) : (
            "No log lines yet."
          )}
        </div>
      ) : (
        <VirtualList
          count={shown.length}
          rowHeight={ROW_HEIGHT}
          offsets={offsets}
          renderRow={(i) => {
            const row = shown[i];
            if (!row) return null;
            const line =
              row.kind === "divider" ? (
                <Divider key={row.key} d={row} />
              ) : (
                <LogLine key={row.key} row={row} search={search} showTs={showTs} />
              );
            if (!offsets) return line;
            const height = (offsets[i + 1] ?? 0) - (offsets[i] ?? 0);
            return (
              <div key={row.key} className="log-slot" style={{ height }}>
                {line}
              </div>
            );
          }}
          follow={follow && !tail.paused}
          onFollowChange={setFollow}
          className={wrap ? "log-list log-wrap" : "log-list"}
          testId="log-list"
          scrollRef={listRef}
        />
      )}
    </section>
  );
}

/** What a search that found nothing searched, and buttons that widen it. */
function EmptySearch({
  name,
  state,
  scanned,
  setState,
}: {
  name: string;
  state: LogViewState;
  scanned: number | null;
  setState: (patch: Partial<LogViewState>) => void;
}) {
  const words = logSearchWords(state.q)
    .map((w) => `“${w}”`)
    .join(", ");
  const substring = state.match === "substring";
  const sensitive = state.case === "sensitive";
  const streams =
    state.stream === "stdout" || state.stream === "stderr" ? `${state.stream} only` : "stdout and stderr";
  const scope =
    scanned !== null
      ? `its newest ${scanned.toLocaleString()} lines (the scan's limit)`
      : "its whole stored history";
  return (
    <>
      <p data-testid="log-empty-text">
        No lines found. Searched {name}, {scope}, {streams}, for{" "}
        {substring ? words : `words starting with ${words}`}
        {substring ? " anywhere in a line" : ""}, {sensitive ? "case-sensitive" : "ignoring case"}.
      </p>
      <div className="row wrap">
        {streams !== "stdout and stderr" && (
          <button type="button" onClick={() => setState({ stream: "all" })} data-testid="log-widen-streams">
            Search both streams
          </button>
        )}
        {sensitive && (
          <button
            type="button"
            onClick={() => setState({ case: "insensitive" })}
            data-testid="log-widen-case"
          >
            Ignore case
          </button>
        )}
        {!substring && (
          <button
            type="button"
            onClick={() => setState({ match: "substring" })}
            data-testid="log-widen-match"
          >
            Search inside words
          </button>
        )}
      </div>
    </>
  );
}

/** Where one boot ended and the next began: the exit code and time of the `die` between them. */
function Divider({ d }: { d: BootDivider }) {
  return (
    <div
      className="log-row log-restart"
      data-testid="log-restart"
      data-exit-code={d.exitCode ?? ""}
      data-oom={d.oomKilled ? "1" : "0"}
    >
      ↻ {exitText(d.exitCode, d.oomKilled)} at {new Date(d.time).toLocaleString()}
    </div>
  );
}
