"use client";
import { CredentialRotationResponse, EnrolmentResponse, type Host } from "@crowsnest/protocol";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { AdminOnly } from "../../../../components/admin-only.tsx";
import { AgentConflictNote } from "../../../../components/agent-conflict.tsx";
import { ConfirmButton } from "../../../../components/confirm.tsx";
import { type Column, DataTable } from "../../../../components/data-table.tsx";
import { Loaded, noItems } from "../../../../components/loaded.tsx";
import { OutcomeMessage } from "../../../../components/outcome-message.tsx";
import { OnlineBadge } from "../../../../components/states.tsx";
import { request } from "../../../../lib/api.ts";
import { formatAgo, formatTime } from "../../../../lib/format.ts";
import { HostList, NoContent } from "../../../../lib/schemas.ts";
import { useNow } from "../../../../lib/use-now.ts";
import { useOutcome } from "../../../../lib/use-outcome.ts";
import { useRead } from "../../../../lib/use-read.ts";

const COLUMNS: Column[] = [
  { label: "Host" },
  { label: "State" },
  { label: "Last seen", wide: true },
  { label: "Agent", wide: true },
  { label: "Credential" },
];

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
  const [enrolment, setEnrolment] = useState<EnrolmentResponse | null>(null);
  const { outcome, run } = useOutcome();

  const enrol = async (name: string): Promise<boolean> => {
    const ok = await run(`Enrolled ${name}`, async () => {
      setEnrolment(await request(EnrolmentResponse, "/api/hosts", { method: "POST", body: { name } }));
    });
    hosts.reload();
    return ok;
  };
  const credential = (host: Host, verb: "rotate" | "revoke") => {
    const path = `/api/hosts/${encodeURIComponent(host.id)}/${verb}`;
    const done =
      verb === "rotate"
        ? run(
            `Rotated ${host.name}'s credential`,
            () => request(CredentialRotationResponse, path, { method: "POST" }),
            (r) =>
              r.agentWasOnline
                ? "the agent reconnects and receives its new credential within seconds"
                : "the agent is offline; it receives its new credential when it next connects",
          )
        : run(`Revoked ${host.name}'s credential; its agent is disconnected`, () =>
            request(NoContent, path, { method: "POST" }),
          );
    void done.then(hosts.reload);
  };

  return (
    <div className="stack">
      <h1>Hosts</h1>
      <EnrolForm enrol={enrol} />
      {enrolment && <EnrolmentCard enrolment={enrolment} onDismiss={() => setEnrolment(null)} />}
      <OutcomeMessage outcome={outcome} testId="hosts-message" />
      <section className="card" aria-label="Enrolled hosts">
        <Loaded read={hosts} what="hosts" isEmpty={noItems} empty="No hosts enrolled yet.">
          {(list) => (
            <DataTable columns={COLUMNS} stackOnPhone testId="hosts-table">
              {list.map((h) => (
                <tr key={h.id} data-testid="hosts-row" data-host={h.name}>
                  <td>
                    <Link href={`/fleet/${encodeURIComponent(h.id)}`}>{h.name}</Link>
                    <div className="muted small mono">{h.id}</div>
                  </td>
                  <td>
                    <OnlineBadge online={h.online} />
                    <AgentConflictNote conflict={h.agentConflict} now={now} />
                  </td>
                  <td className="hide-sm">{formatAgo(h.lastSeen, now)}</td>
                  <td className="hide-sm">{h.agentVersion ?? "–"}</td>
                  <td>
                    <div className="row wrap">
                      <ConfirmButton
                        label="Rotate"
                        question={`Rotate ${h.name}'s credential? Its agent reconnects and receives a new one.`}
                        onConfirm={() => credential(h, "rotate")}
                        testId="host-rotate"
                      />
                      <ConfirmButton
                        label="Revoke"
                        question={`Revoke ${h.name}'s credential? Its agent is disconnected at once and refused from then on.`}
                        onConfirm={() => credential(h, "revoke")}
                        danger
                        testId="host-revoke"
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </Loaded>
      </section>
    </div>
  );
}

function EnrolForm({ enrol }: { enrol: (name: string) => Promise<boolean> }) {
  const [name, setName] = useState("");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await enrol(name)) setName("");
  };
  return (
    <form className="card row wrap" onSubmit={(e) => void submit(e)} aria-label="Enrol a host">
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
  );
}

/** The enrolment token and agent command: the server shows them this once and keeps only a hash. */
function EnrolmentCard({ enrolment, onDismiss }: { enrolment: EnrolmentResponse; onDismiss: () => void }) {
  return (
    <section className="card enrolment" aria-label="Enrolment token" data-testid="enrolment">
      <h2>Enrolment for {enrolment.host.name}</h2>
      <p className="warn">
        This token is shown once. It works for a single agent and expires {formatTime(enrolment.expiresAt)}.
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
      <p className="muted" data-testid="enrolment-command-hint">
        The command hands the agent its token in the environment (<code>CROWSNEST_TOKEN</code>), where other
        users cannot see it in <code>ps</code>. To keep it out of the shell history too, save the token to a
        file only you can read and start the agent with <code>--token-file FILE</code> instead.
      </p>
      <div className="row">
        <button
          type="button"
          onClick={() => void navigator.clipboard?.writeText(enrolment.agentCommand)}
          data-testid="enrolment-copy"
        >
          Copy command
        </button>
        <button type="button" onClick={onDismiss} data-testid="enrolment-dismiss">
          I have saved it
        </button>
      </div>
    </section>
  );
}
