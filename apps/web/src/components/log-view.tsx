"use client";
import { useMemo, useState } from "react";
import { downloadText } from "../lib/download.ts";
import { compileSearch } from "../lib/log-search.ts";
import { rowsToText } from "../lib/logs.ts";
import { useDebouncedText } from "../lib/use-debounced-text.ts";
import { type LogFilter, useLogTail } from "../lib/use-log-tail.ts";
import { LogLine } from "./log-line.tsx";
import { VirtualList } from "./virtual-list.tsx";

const ROW_HEIGHT = 18;

/** The log view's URL state: search words, stream, and timestamps ("0" hides them). */
export interface LogViewState extends LogFilter {
  ts: string;
}

/** A container's live log tail: virtualized, followed or paused, searchable, downloadable. */
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
  const tail = useLogTail(hostId, containerId, state);
  const [follow, setFollow] = useState(true);
  const [searchText, setSearchText] = useDebouncedText(state.q, (q) => setState({ q }));
  const search = useMemo(() => compileSearch(state.q), [state.q]);
  const showTs = state.ts !== "0";
  const { rows } = tail;

  return (
    <section className="card logs" aria-label="Logs" data-testid="logs">
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
          Load older lines
        </button>
      )}
      {tail.status === "loading" && rows.length === 0 ? (
        <div className="state" data-testid="log-loading">
          Loading logs…
        </div>
      ) : rows.length === 0 ? (
        <div className="state state-empty" data-testid="log-empty">
          {state.q ? `No lines contain all of “${state.q}”.` : "No log lines yet."}
        </div>
      ) : (
        <VirtualList
          count={rows.length}
          rowHeight={ROW_HEIGHT}
          renderRow={(i) => {
            const row = rows[i];
            return row ? <LogLine key={row.key} row={row} search={search} showTs={showTs} /> : null;
          }}
          follow={follow && !tail.paused}
          onFollowChange={setFollow}
          className="log-list"
          testId="log-list"
        />
      )}
    </section>
  );
}
