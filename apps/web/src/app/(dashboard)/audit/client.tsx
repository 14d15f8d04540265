"use client";
import { AuditResponse } from "@crowsnest/protocol";
import { useState } from "react";
import { AdminOnly } from "../../../components/admin-only.tsx";
import { Empty, ErrorState, Loading } from "../../../components/states.tsx";
import { query, request } from "../../../lib/api.ts";
import { formatTime } from "../../../lib/format.ts";
import { useRead, useUrlState } from "../../../lib/hooks.ts";

const DEFAULTS = { user: "", host: "", container: "", action: "", result: "", from: "", to: "", cursor: "" };

function toMs(local: string): number | null {
  if (!local) return null;
  const t = Date.parse(local);
  return Number.isFinite(t) ? t : null;
}

export function AuditClient() {
  return (
    <AdminOnly>
      <Audit />
    </AdminOnly>
  );
}

function Audit() {
  const [url, setUrl] = useUrlState(DEFAULTS);
  // Cursors of the pages before this one, so "Newer" can go back.
  const [stack, setStack] = useState<string[]>([]);
  const q = query({
    user: url.user,
    host: url.host,
    container: url.container,
    action: url.action,
    result: url.result,
    from: toMs(url.from),
    to: toMs(url.to),
    cursor: url.cursor,
  });
  const audit = useRead(`audit${q}`, (signal) => request(AuditResponse, `/api/audit${q}`, { signal }));
  const filter = (patch: Partial<typeof DEFAULTS>) => {
    setStack([]);
    setUrl({ ...patch, cursor: "" });
  };
  const data = audit.state.data;
  return (
    <div className="stack">
      <h1>Audit log</h1>
      <div className="filters card">
        <input
          aria-label="User"
          placeholder="user"
          value={url.user}
          onChange={(e) => filter({ user: e.target.value })}
          data-testid="audit-user"
        />
        <input
          aria-label="Host"
          placeholder="host id"
          value={url.host}
          onChange={(e) => filter({ host: e.target.value })}
          data-testid="audit-host"
        />
        <input
          aria-label="Container"
          placeholder="container id"
          value={url.container}
          onChange={(e) => filter({ container: e.target.value })}
          data-testid="audit-container"
        />
        <select
          aria-label="Action"
          value={url.action}
          onChange={(e) => filter({ action: e.target.value })}
          data-testid="audit-action"
        >
          <option value="">any action</option>
          {["start", "stop", "restart", "kill", "pause", "unpause", "remove"].map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <select
          aria-label="Result"
          value={url.result}
          onChange={(e) => filter({ result: e.target.value })}
          data-testid="audit-result"
        >
          <option value="">any result</option>
          {["allowed", "denied", "succeeded", "failed"].map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <label className="small">
          from{" "}
          <input
            type="datetime-local"
            value={url.from}
            onChange={(e) => filter({ from: e.target.value })}
            data-testid="audit-from"
          />
        </label>
        <label className="small">
          to{" "}
          <input
            type="datetime-local"
            value={url.to}
            onChange={(e) => filter({ to: e.target.value })}
            data-testid="audit-to"
          />
        </label>
      </div>
      <section className="card" aria-label="Audit entries">
        {audit.state.status === "loading" ? (
          <Loading what="audit log" />
        ) : audit.state.status === "error" && !data ? (
          <ErrorState error={audit.state.error} onRetry={audit.reload} />
        ) : !data || data.entries.length === 0 ? (
          <Empty>No audit entries match.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>User</th>
                  <th>Action</th>
                  <th>Container</th>
                  <th>Result</th>
                  <th className="hide-sm">Reason</th>
                  <th className="hide-sm">Client</th>
                </tr>
              </thead>
              <tbody>
                {data.entries.map((e) => (
                  <tr key={e.id} data-testid="audit-row" data-action={e.action} data-result={e.result}>
                    <td className="nowrap">{formatTime(e.time)}</td>
                    <td>
                      {e.username} <span className="muted small">{e.role}</span>
                    </td>
                    <td>{e.action}</td>
                    <td>
                      {e.containerName ?? e.containerId.slice(0, 12)}{" "}
                      {e.protected && <span className="badge badge-protected">protected</span>}
                      <div className="muted small mono">{e.hostId}</div>
                    </td>
                    <td>
                      <span className={`state-badge res-${e.result}`}>{e.result}</span>
                    </td>
                    <td className="hide-sm">{e.reason ?? ""}</td>
                    <td className="hide-sm mono small">{e.clientAddress}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="row spread">
          <button
            type="button"
            disabled={stack.length === 0 && url.cursor === ""}
            onClick={() => {
              const prev = stack.at(-1) ?? "";
              setStack(stack.slice(0, -1));
              setUrl({ cursor: prev });
            }}
            data-testid="audit-newer"
          >
            ← Newer
          </button>
          <button
            type="button"
            disabled={!data?.nextCursor}
            onClick={() => {
              setStack([...stack, url.cursor]);
              setUrl({ cursor: data?.nextCursor ?? "" });
            }}
            data-testid="audit-older"
          >
            Older →
          </button>
        </div>
      </section>
    </div>
  );
}
