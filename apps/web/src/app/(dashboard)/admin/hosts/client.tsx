"use client";
import {
  AGENT_RUN_WAY_TITLES,
  type AgentRunWays,
  AgentUrl,
  AgentUrlSetting,
  type AgentUrlWarning,
  agentUrlWarnings,
  CredentialRotationResponse,
  canReissueEnrolment,
  type DeleteHostQuery,
  EnrolmentResponse,
  type Host,
} from "@crowsnest/protocol";
import Link from "next/link";
import { type FormEvent, useEffect, useState } from "react";
import { AdminOnly } from "../../../../components/admin-only.tsx";
import { AgentConflictNote } from "../../../../components/agent-conflict.tsx";
import { ConfirmBar, ConfirmButton } from "../../../../components/confirm.tsx";
import { type Column, DataTable } from "../../../../components/data-table.tsx";
import { HostStateBadge } from "../../../../components/host-state.tsx";
import { Loaded, noItems } from "../../../../components/loaded.tsx";
import { OutcomeMessage } from "../../../../components/outcome-message.tsx";
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
  const hosts = useRead("hosts", (signal) => request(HostList, "/api/hosts?include=deleted", { signal }));
  const setting = useRead("agent-url", (signal) =>
    request(AgentUrlSetting, "/api/settings/agent-url", { signal }),
  );
  const [enrolment, setEnrolment] = useState<EnrolmentResponse | null>(null);
  const { outcome, run } = useOutcome();

  const enrol = async (name: string, agentUrl: string): Promise<boolean> => {
    const ok = await run(`Enrolled ${name}`, async () => {
      // A URL the admin changed becomes the default for the next enrolments.
      if (agentUrl !== setting.state.data?.agentUrl) {
        await request(AgentUrlSetting, "/api/settings/agent-url", { method: "PUT", body: { agentUrl } });
        setting.reload();
      }
      setEnrolment(
        await request(EnrolmentResponse, "/api/hosts", { method: "POST", body: { name, agentUrl } }),
      );
    });
    hosts.reload();
    return ok;
  };
  const reissue = (host: Host) => {
    const path = `/api/hosts/${encodeURIComponent(host.id)}/enrolment-token`;
    void run(`Issued a new enrolment token for ${host.name}; the older one no longer works`, async () => {
      setEnrolment(await request(EnrolmentResponse, path, { method: "POST", body: {} }));
    }).then(hosts.reload);
  };
  const remove = (host: Host, data: DeleteHostQuery["data"]) => {
    const path = `/api/hosts/${encodeURIComponent(host.id)}?data=${data}`;
    const what =
      data === "keep"
        ? `Deleted ${host.name}; its containers, metrics and logs are kept`
        : `Deleted ${host.name} and its stored data`;
    void run(what, () => request(NoContent, path, { method: "DELETE" })).then(hosts.reload);
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
      <EnrolForm enrol={enrol} setting={setting.state.data} />
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
                    <HostStateBadge host={h} />
                    <AgentConflictNote conflict={h.agentConflict} now={now} />
                  </td>
                  <td className="hide-sm">{formatAgo(h.lastSeen, now)}</td>
                  <td className="hide-sm">{h.agentVersion ?? "–"}</td>
                  <td>
                    <div className="row wrap">
                      {canReissueEnrolment(h.state) && (
                        <ConfirmButton
                          label="New token"
                          question={`Issue a new enrolment token for ${h.name}? The older one stops working.`}
                          onConfirm={() => reissue(h)}
                          testId="host-reissue"
                        />
                      )}
                      {h.state !== "deleted" && (
                        <>
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
                        </>
                      )}
                      <DeleteHost host={h} onDelete={(data) => remove(h, data)} />
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

/** Why the form's URL is what it is, until the admin changes it. */
const SOURCE_HINT: Record<AgentUrlSetting["source"], string> = {
  saved: "the URL saved for new agents",
  "public-url": "from CROWSNEST_PUBLIC_URL",
  request: "guessed from the address this browser used: check it is how the other host reaches this server",
};

function EnrolForm({
  enrol,
  setting,
}: {
  enrol: (name: string, agentUrl: string) => Promise<boolean>;
  setting: AgentUrlSetting | null;
}) {
  const [name, setName] = useState("");
  const [agentUrl, setAgentUrl] = useState("");
  useEffect(() => {
    if (setting) setAgentUrl(setting.agentUrl);
  }, [setting]);
  const valid = AgentUrl.safeParse(agentUrl).success;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await enrol(name.trim(), agentUrl)) setName("");
  };
  return (
    <form className="card stack" onSubmit={(e) => void submit(e)} aria-label="Enrol a host">
      <div className="row wrap">
        <input
          placeholder="host name"
          aria-label="Host name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={128}
          data-testid="enrol-name"
        />
        <button type="submit" className="primary" disabled={!valid} data-testid="enrol-submit">
          Enrol host
        </button>
      </div>
      <label>
        The agent connects to
        <input
          className="mono"
          value={agentUrl}
          onChange={(e) => setAgentUrl(e.target.value.trim())}
          required
          spellCheck={false}
          data-testid="enrol-agent-url"
        />
      </label>
      {valid ? (
        agentUrl === setting?.agentUrl ? (
          <span className="muted small" data-testid="enrol-agent-url-source">
            {SOURCE_HINT[setting.source]}
          </span>
        ) : (
          <span className="muted small" data-testid="enrol-agent-url-source">
            remembered as the default for the next enrolments
          </span>
        )
      ) : (
        <span className="error small" data-testid="enrol-agent-url-error">
          {AgentUrl.safeParse(agentUrl).error?.issues[0]?.message}
        </span>
      )}
      <AgentUrlWarnings warnings={valid ? agentUrlWarnings(agentUrl) : []} testId="enrol-warnings" />
    </form>
  );
}

/** What is wrong with the URL an agent on another host is told to dial; nothing when nothing is. */
function AgentUrlWarnings({ warnings, testId }: { warnings: AgentUrlWarning[]; testId: string }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="warn small" role="alert" data-testid={testId}>
      {warnings.map((w) => (
        <li key={w.code} data-code={w.code}>
          {w.message}
        </li>
      ))}
    </ul>
  );
}

/**
 * Deletes a host after asking, in place, what becomes of its data: kept readable (the host stays
 * listed as deleted) or deleted with it. A host already deleted can only have its data deleted.
 */
function DeleteHost({ host, onDelete }: { host: Host; onDelete: (data: DeleteHostQuery["data"]) => void }) {
  const [asking, setAsking] = useState(false);
  const [data, setData] = useState<DeleteHostQuery["data"]>(host.state === "deleted" ? "delete" : "keep");
  const label = host.state === "deleted" ? "Delete data" : "Delete";
  if (!asking) {
    return (
      <button
        type="button"
        className="danger-outline"
        onClick={() => setAsking(true)}
        data-testid="host-delete"
      >
        {label}
      </button>
    );
  }
  const question =
    host.state === "deleted"
      ? `Delete ${host.name}'s stored containers, metrics and logs for good?`
      : `Delete ${host.name}? Its agent is disconnected at once and refused from then on.`;
  return (
    <ConfirmBar
      question={question}
      yes={host.state === "deleted" ? "Yes, delete its data" : "Yes, delete"}
      onYes={() => {
        setAsking(false);
        // The choice was made before the host was deleted with its data kept: now only deleting is left.
        onDelete(host.state === "deleted" ? "delete" : data);
      }}
      onNo={() => setAsking(false)}
    >
      {host.state !== "deleted" && (
        <fieldset className="stack small" data-testid="host-delete-data">
          <label>
            <input
              type="radio"
              name={`data-${host.id}`}
              checked={data === "keep"}
              onChange={() => setData("keep")}
            />{" "}
            keep its containers, metrics and logs readable
          </label>
          <label>
            <input
              type="radio"
              name={`data-${host.id}`}
              checked={data === "delete"}
              onChange={() => setData("delete")}
              data-testid="host-delete-data-delete"
            />{" "}
            delete them too
          </label>
        </fieldset>
      )}
    </ConfirmBar>
  );
}

/** The ways to run the agent, as tabs: the first is selected. */
const RUN_WAYS = Object.keys(AGENT_RUN_WAY_TITLES) as (keyof AgentRunWays)[];

/** What each way asks of the host, under its command. */
const RUN_WAY_HINTS: Record<keyof AgentRunWays, string> = {
  docker:
    "Runs the agent image on the host's network with the Docker socket mounted, in the socket's group; its credential stays in the crowsnest-agent volume.",
  compose:
    "Save it as compose.yaml on the host and start it as its first comment says; after the first start the token may be removed from the file.",
  systemd:
    "For a host with Node.js: the install script creates a system user, a hardened service and its environment file (mode 600) holding the token.",
  npm: "In a checkout of Crowsnest on the host after npm install. To keep the token out of the shell history, save it to a file only you can read and start the agent with --token-file FILE instead.",
};

/** The enrolment token and the ways to run the agent: the server shows them this once and keeps only a hash. */
function EnrolmentCard({ enrolment, onDismiss }: { enrolment: EnrolmentResponse; onDismiss: () => void }) {
  const [way, setWay] = useState<keyof AgentRunWays>(RUN_WAYS[0] ?? "docker");
  const command = enrolment.runWays[way];
  return (
    <section className="card enrolment" aria-label="Enrolment token" data-testid="enrolment">
      <h2>Enrolment for {enrolment.host.name}</h2>
      <p className="warn">
        This token is shown once. It works for a single agent and expires {formatTime(enrolment.expiresAt)}.
      </p>
      <p>
        The agent will connect to <code data-testid="enrolment-agent-url">{enrolment.agentUrl}</code>.
      </p>
      <AgentUrlWarnings warnings={enrolment.warnings} testId="enrolment-warnings" />
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
      <div className="tabs" role="tablist" aria-label="How to run the agent">
        {RUN_WAYS.map((w) => (
          <button
            key={w}
            type="button"
            role="tab"
            aria-selected={w === way}
            aria-controls="enrolment-command-panel"
            className={w === way ? "tab selected" : "tab"}
            onClick={() => setWay(w)}
            data-testid={`enrolment-way-${w}`}
          >
            {AGENT_RUN_WAY_TITLES[w]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="enrolment-command-panel">
        <label>
          Run on the host
          <textarea
            readOnly
            value={command}
            className="mono"
            rows={Math.min(24, command.split("\n").length + 1)}
            wrap="off"
            data-testid="enrolment-command"
            data-way={way}
            onFocus={(e) => e.target.select()}
          />
        </label>
      </div>
      <p className="muted" data-testid="enrolment-command-hint">
        {RUN_WAY_HINTS[way]} The token travels in an environment variable or on stdin, where other users
        cannot see it in <code>ps</code>.
      </p>
      <div className="row">
        <button
          type="button"
          onClick={() => void navigator.clipboard?.writeText(command)}
          data-testid="enrolment-copy"
        >
          Copy
        </button>
        <button type="button" onClick={onDismiss} data-testid="enrolment-dismiss">
          I have saved it
        </button>
      </div>
    </section>
  );
}
