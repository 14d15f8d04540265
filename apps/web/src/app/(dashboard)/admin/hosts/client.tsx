"use client";
import type { EnrolmentResponse } from "@crowsnest/protocol";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { AdminOnly } from "../../../../components/admin-only.tsx";
import { Empty, ErrorState, Loading, OnlineBadge } from "../../../../components/states.tsx";
import { ANY, errorText, request } from "../../../../lib/api.ts";
import { formatAgo, formatTime } from "../../../../lib/format.ts";
import { useNow, useRead } from "../../../../lib/hooks.ts";
import { EnrolmentResponse as EnrolmentSchema, HostList } from "../../../../lib/schemas.ts";

export function HostsClient() {
  return (
    <AdminOnly>
      <Hosts />
    </AdminOnly>
  );
}

function Hosts() {
  const now = useNow();
  const hosts = useRead("hosts", (signal) => request(HostList, "/api/hosts", { signal }));
  const [name, setName] = useState("");
  const [enrolment, setEnrolment] = useState<EnrolmentResponse | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const enrol = async (e: FormEvent) => {
    e.preventDefault();
    setMessage(null);
    try {
      const res = await request(EnrolmentSchema, "/api/hosts", { method: "POST", body: { name } });
      setEnrolment(res);
      setName("");
      hosts.reload();
    } catch (err) {
      setMessage({ ok: false, text: `Enrolment failed: ${errorText(err)}` });
    }
  };

  const act = async (what: string, path: string, confirmText: string) => {
    if (!window.confirm(confirmText)) return;
    setMessage(null);
    try {
      const res = await request(ANY, path, { method: "POST" });
      setMessage({ ok: true, text: `${what}: ${summarize(res)}` });
      hosts.reload();
    } catch (err) {
      setMessage({ ok: false, text: `${what} failed: ${errorText(err)}` });
    }
  };

  return (
    <div className="stack">
      <h1>Hosts</h1>
      <form className="card row wrap" onSubmit={(e) => void enrol(e)} aria-label="Enrol a host">
        <input
          placeholder="host name"
          aria-label="Host name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={128}
          data-testid="enrol-name"
        />
        <button type="submit" className="primary" data-testid="enrol-submit">
          Enrol host
        </button>
      </form>
      {enrolment && (
        <section className="card enrolment" aria-label="Enrolment token" data-testid="enrolment">
          <h2>Enrolment for {enrolment.host.name}</h2>
          <p className="warn">
            This token is shown once. It works for a single agent and expires{" "}
            {formatTime(enrolment.expiresAt)}.
          </p>
          <label>
            Token
            <input
              readOnly
              value={enrolment.enrolmentToken}
              className="mono"
              data-testid="enrolment-token"
              onFocus={(e) => e.target.select()}
            />
          </label>
          <label>
            Run on the host
            <textarea
              readOnly
              value={enrolment.agentCommand}
              className="mono"
              rows={3}
              data-testid="enrolment-command"
              onFocus={(e) => e.target.select()}
            />
          </label>
          <div className="row">
            <button
              type="button"
              onClick={() => void navigator.clipboard?.writeText(enrolment.agentCommand)}
              data-testid="enrolment-copy"
            >
              Copy command
            </button>
            <button type="button" onClick={() => setEnrolment(null)} data-testid="enrolment-dismiss">
              I have saved it
            </button>
          </div>
        </section>
      )}
      {message && (
        <output className={message.ok ? "result ok" : "result error"} data-testid="hosts-message">
          {message.text}
        </output>
      )}
      <section className="card" aria-label="Enrolled hosts">
        {hosts.state.status === "loading" ? (
          <Loading what="hosts" />
        ) : hosts.state.status === "error" && !hosts.state.data ? (
          <ErrorState error={hosts.state.error} onRetry={hosts.reload} />
        ) : (hosts.state.data ?? []).length === 0 ? (
          <Empty>No hosts enrolled yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="hosts-table">
              <thead>
                <tr>
                  <th>Host</th>
                  <th>State</th>
                  <th className="hide-sm">Last seen</th>
                  <th className="hide-sm">Agent</th>
                  <th>Credential</th>
                </tr>
              </thead>
              <tbody>
                {(hosts.state.data ?? []).map((h) => (
                  <tr key={h.id} data-testid="hosts-row" data-host={h.name}>
                    <td>
                      <Link href={`/fleet/${encodeURIComponent(h.id)}`}>{h.name}</Link>
                      <div className="muted small mono">{h.id}</div>
                    </td>
                    <td>
                      <OnlineBadge online={h.online} />
                    </td>
                    <td className="hide-sm">{formatAgo(h.lastSeen, now)}</td>
                    <td className="hide-sm">{h.agentVersion ?? "–"}</td>
                    <td>
                      <div className="row wrap">
                        <button
                          type="button"
                          onClick={() =>
                            void act(
                              `Rotated ${h.name}`,
                              `/api/hosts/${encodeURIComponent(h.id)}/rotate`,
                              `Rotate the credential of ${h.name}?`,
                            )
                          }
                          data-testid="host-rotate"
                        >
                          Rotate
                        </button>
                        <button
                          type="button"
                          className="danger-outline"
                          onClick={() =>
                            void act(
                              `Revoked ${h.name}`,
                              `/api/hosts/${encodeURIComponent(h.id)}/revoke`,
                              `Revoke ${h.name}'s credential? Its agent is disconnected at once.`,
                            )
                          }
                          data-testid="host-revoke"
                        >
                          Revoke
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

/** Rotation may return a new token or command; show what the server said, as text. */
function summarize(res: unknown): string {
  if (res === null || res === undefined) return "done";
  if (typeof res !== "object") return String(res);
  const r = res as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof r.agentWasOnline === "boolean") {
    parts.push(
      r.agentWasOnline
        ? "the agent was online and picks up its new credential within seconds"
        : "the agent is offline; it gets its new credential when it next connects",
    );
  }
  for (const k of ["enrolmentToken", "token", "agentCommand", "message"]) {
    if (typeof r[k] === "string") parts.push(`${k}: ${r[k]}`);
  }
  return parts.length > 0 ? parts.join(" · ") : "done";
}
