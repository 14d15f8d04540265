"use client";
import { type AuditEntry, AuditResponse, AuditResult } from "@crowsnest/protocol";
import { useState } from "react";
import { AdminOnly } from "../../../components/admin-only.tsx";
import { type Column, DataTable } from "../../../components/data-table.tsx";
import { ChoiceFilter, TextFilter } from "../../../components/filters.tsx";
import { Loaded } from "../../../components/loaded.tsx";
import { ProtectedBadge } from "../../../components/states.tsx";
import { query, request } from "../../../lib/api.ts";
import { formatTime } from "../../../lib/format.ts";
import { ACTIONS } from "../../../lib/permissions.ts";
import { HostList } from "../../../lib/schemas.ts";
import { useRead } from "../../../lib/use-read.ts";
import { useUrlState } from "../../../lib/use-url-state.ts";

const DEFAULTS = { user: "", host: "", container: "", action: "", result: "", from: "", to: "", cursor: "" };
const TEXT_FILTERS: { key: "user" | "container"; placeholder: string }[] = [
  { key: "user", placeholder: "user" },
  { key: "container", placeholder: "container id or name" },
];
const COLUMNS: Column[] = [
  { label: "Time" },
  { label: "User" },
  { label: "Action" },
  { label: "Container" },
  { label: "Result" },
  { label: "Reason", wide: true },
  { label: "Client", wide: true },
];

/** A `datetime-local` value (local time, as typed) in epoch ms. */
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
  const q = query({ ...url, from: toMs(url.from), to: toMs(url.to) });
  const audit = useRead(`audit${q}`, (signal) => request(AuditResponse, `/api/audit${q}`, { signal }));
  const hosts = useRead("hosts", (signal) => request(HostList, "/api/hosts", { signal }));
  const hostName = new Map((hosts.state.data ?? []).map((h) => [h.id, h.name]));
  const filter = (patch: Partial<typeof DEFAULTS>) => {
    setStack([]);
    setUrl({ ...patch, cursor: "" });
  };
  const filtered = Object.entries(url).some(([k, v]) => k !== "cursor" && v !== "");
  return (
    <div className="stack">
      <h1>Audit log</h1>
      <div className="filters card">
        {TEXT_FILTERS.map(({ key, placeholder }) => (
          <TextFilter
            key={key}
            label={key}
            placeholder={placeholder}
            value={url[key]}
            onChange={(text) => filter({ [key]: text })}
            testId={`audit-${key}`}
          />
        ))}
        <ChoiceFilter
          label="Host"
          any="any host"
          choices={(hosts.state.data ?? []).map((h) => ({ value: h.id, label: h.name }))}
          value={url.host}
          onChange={(host) => filter({ host })}
          testId="audit-host"
        />
        <ChoiceFilter
          label="Action"
          any="any action"
          choices={ACTIONS}
          value={url.action}
          onChange={(action) => filter({ action })}
          testId="audit-action"
        />
        <ChoiceFilter
          label="Result"
          any="any result"
          choices={AuditResult.options}
          value={url.result}
          onChange={(result) => filter({ result })}
          testId="audit-result"
        />
        {(["from", "to"] as const).map((bound) => (
          <label key={bound} className="small">
            {bound}{" "}
            <input
              type="datetime-local"
              value={url[bound]}
              onChange={(e) => filter({ [bound]: e.target.value })}
              data-testid={`audit-${bound}`}
            />
          </label>
        ))}
      </div>
      <section className="card" aria-label="Audit entries">
        <Loaded
          read={audit}
          what="audit log"
          isEmpty={(page) => page.entries.length === 0}
          empty={filtered ? "No audit entries match these filters." : "No action has been attempted yet."}
        >
          {(page) => (
            <DataTable columns={COLUMNS} testId="audit-table">
              {page.entries.map((e) => (
                <AuditRow key={e.id} e={e} hostName={hostName.get(e.hostId) ?? e.hostId} />
              ))}
            </DataTable>
          )}
        </Loaded>
        <div className="row spread">
          <button
            type="button"
            disabled={stack.length === 0 && url.cursor === ""}
            onClick={() => {
              setStack(stack.slice(0, -1));
              setUrl({ cursor: stack.at(-1) ?? "" });
            }}
            data-testid="audit-newer"
          >
            ← Newer
          </button>
          <button
            type="button"
            disabled={!audit.state.data?.nextCursor}
            onClick={() => {
              setStack([...stack, url.cursor]);
              setUrl({ cursor: audit.state.data?.nextCursor ?? "" });
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

function AuditRow({ e, hostName }: { e: AuditEntry; hostName: string }) {
  return (
    <tr data-testid="audit-row" data-action={e.action} data-result={e.result}>
      <td className="nowrap">{formatTime(e.time)}</td>
      <td>
        {e.username} <span className="muted small">{e.role}</span>
      </td>
      <td>{e.action}</td>
      <td>
        {e.containerName ?? e.containerId.slice(0, 12)} {e.protected && <ProtectedBadge />}
        <div className="muted small">{hostName}</div>
      </td>
      <td>
        <span className={`state-badge res-${e.result}`}>{e.result}</span>
      </td>
      <td className="hide-sm">{e.reason ?? ""}</td>
      <td className="hide-sm mono small">{e.clientAddress}</td>
    </tr>
  );
}
