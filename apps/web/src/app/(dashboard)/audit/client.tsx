"use client";
import { AuditCategory, type AuditEntry, AuditResponse, AuditResult } from "@crowsnest/protocol";
import { useState } from "react";
import { AdminOnly } from "../../../components/admin-only.tsx";
import { type Column, DataTable } from "../../../components/data-table.tsx";
import { ChoiceFilter, TextFilter } from "../../../components/filters.tsx";
import { Loaded } from "../../../components/loaded.tsx";
import { ProtectedBadge } from "../../../components/states.tsx";
import { query, request } from "../../../lib/api.ts";
import { AUDIT_CATEGORY_LABELS, auditActionChoices, auditActionLabel } from "../../../lib/audit-labels.ts";
import { formatTime } from "../../../lib/format.ts";
import { HostList } from "../../../lib/schemas.ts";
import { useRead } from "../../../lib/use-read.ts";
import { useUrlState } from "../../../lib/use-url-state.ts";

const DEFAULTS = {
  user: "",
  host: "",
  container: "",
  category: "",
  action: "",
  result: "",
  from: "",
  to: "",
  cursor: "",
};
const CATEGORY_CHOICES = AuditCategory.options.map((value) => ({
  value,
  label: AUDIT_CATEGORY_LABELS[value],
}));
const TEXT_FILTERS: { key: "user" | "container"; placeholder: string }[] = [
  { key: "user", placeholder: "user" },
  { key: "container", placeholder: "container id or name" },
];
const COLUMNS: Column[] = [
  { label: "Time" },
  { label: "User" },
  { label: "Action" },
  { label: "Target" },
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
  const category = AuditCategory.safeParse(url.category).data ?? null;
  const actionChoices = auditActionChoices(category);
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
          label="Category"
          any="any category"
          choices={CATEGORY_CHOICES}
          value={url.category}
          onChange={(next) => {
            const keep = auditActionChoices(AuditCategory.safeParse(next).data ?? null);
            // An action of another category would match nothing: it goes with the change.
            filter({ category: next, action: keep.some((c) => c.value === url.action) ? url.action : "" });
          }}
          testId="audit-category"
        />
        <ChoiceFilter
          label="Action"
          any="any action"
          choices={actionChoices}
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
          empty={filtered ? "No audit entries match these filters." : "Nothing has been recorded yet."}
        >
          {(page) => (
            <DataTable columns={COLUMNS} stackOnPhone testId="audit-table">
              {page.entries.map((e) => (
                <AuditRow
                  key={e.id}
                  e={e}
                  hostName={e.hostId === null ? null : (hostName.get(e.hostId) ?? e.hostId)}
                />
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

function AuditRow({ e, hostName }: { e: AuditEntry; hostName: string | null }) {
  return (
    <tr data-testid="audit-row" data-category={e.category} data-action={e.action} data-result={e.result}>
      <td className="nowrap">{formatTime(e.time)}</td>
      <td>
        {e.username} <span className="muted small">{e.role ?? (e.userId === null ? "no account" : "")}</span>
      </td>
      <td>{auditActionLabel(e.action)}</td>
      <td>
        <Target e={e} hostName={hostName} />
      </td>
      <td>
        <span className={`state-badge res-${e.result}`}>{e.result}</span>
      </td>
      <td className="hide-sm">
        {e.reason ?? ""}
        {e.detail && <div className="muted small">{e.detail}</div>}
      </td>
      <td className="hide-sm mono small">{e.clientAddress}</td>
    </tr>
  );
}

/** What the entry acted on: a container on its host, a user, a host; a sign-in acts on none. */
function Target({ e, hostName }: { e: AuditEntry; hostName: string | null }) {
  if (e.containerId !== null) {
    return (
      <>
        {e.containerName ?? e.containerId.slice(0, 12)} {e.protected && <ProtectedBadge />}
        <div className="muted small">{hostName}</div>
      </>
    );
  }
  if (e.category !== "user" && e.category !== "host") return <span className="muted">—</span>;
  return (
    <>
      {e.target ?? e.targetId}
      <div className="muted small">{e.category}</div>
    </>
  );
}
