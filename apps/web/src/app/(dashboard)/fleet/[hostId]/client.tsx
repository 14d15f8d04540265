"use client";
import { type ContainerView, Host, type LiveMessage } from "@crowsnest/protocol";
import Link from "next/link";
import { useCallback, useMemo, useRef } from "react";
import { ActionMenu } from "../../../../components/action-menu.tsx";
import { ClockOffsetWarning } from "../../../../components/clock-offset.tsx";
import { ContainerFilters } from "../../../../components/container-filters.tsx";
import { type Column, DataTable } from "../../../../components/data-table.tsx";
import { HostStateBadge } from "../../../../components/host-state.tsx";
import { HostUsage } from "../../../../components/host-usage.tsx";
import { Loaded } from "../../../../components/loaded.tsx";
import { Sparkline } from "../../../../components/sparkline.tsx";
import {
  ExitSummary,
  OfflineBanner,
  ProtectedBadge,
  StaleFigures,
  StateBadge,
} from "../../../../components/states.tsx";
import { request } from "../../../../lib/api.ts";
import { groupByProject } from "../../../../lib/compose-groups.ts";
import { type ContainerFilter, filterContainers } from "../../../../lib/container-filter.ts";
import { applyLiveToContainers, applyLiveToHosts, withLiveTotals } from "../../../../lib/fleet.ts";
import {
  containerName,
  formatAgo,
  formatBytes,
  formatPercent,
  pageTitle,
  uptime,
} from "../../../../lib/format.ts";
import { ContainerList } from "../../../../lib/schemas.ts";
import { type Spark, SparkHistory } from "../../../../lib/spark-history.ts";
import { useLiveTopic } from "../../../../lib/use-live-topic.ts";
import { useNow } from "../../../../lib/use-now.ts";
import { useRead } from "../../../../lib/use-read.ts";
import { useUrlState } from "../../../../lib/use-url-state.ts";

const SPARK_POINTS = 60;
const DEFAULTS: ContainerFilter = { state: "", name: "", image: "", label: "" };
const COLUMNS: Column[] = [
  { label: "Name" },
  { label: "State" },
  { label: "Image", wide: true },
  { label: "Uptime", wide: true },
  { label: "CPU", numeric: true },
  { label: "Memory", numeric: true },
  { label: "Actions" },
];

export function HostClient({ hostId }: { hostId: string }) {
  const [url, setUrl] = useUrlState(DEFAULTS);
  const now = useNow();
  const base = `/api/hosts/${encodeURIComponent(hostId)}`;
  const host = useRead(`host:${hostId}`, (signal) => request(Host, base, { signal }));
  const containers = useRead(`host-containers:${hostId}`, (signal) =>
    request(ContainerList, `${base}/containers`, { signal }),
  );
  const sparks = useRef(new SparkHistory(SPARK_POINTS));
  const { set: setHost } = host;
  const { set: setContainers } = containers;
  const onLive = useCallback(
    (m: LiveMessage) => {
      if (m.type === "metrics") sparks.current.push(m.samples);
      // Its arrival time, the same if the update is applied again to a later read (ReadResync).
      const at = Date.now();
      setHost((h) => applyLiveToHosts([h], m, at)[0] ?? h);
      setContainers((cs) => applyLiveToContainers(cs, m));
    },
    [setHost, setContainers],
  );
  useLiveTopic({ kind: "host", hostId }, onLive, [host, containers]);

  const groups = useMemo(
    () => groupByProject(filterContainers(containers.state.data ?? [], url)),
    [containers.state.data, url],
  );

  return (
    <>
      {/* React puts it in <head>; no Next metadata title competes with it (see the root layout). */}
      <title>{pageTitle(host.state.data?.name)}</title>
      <Loaded read={host} what="host">
        {(h) => (
          <div className="stack">
            <nav className="crumbs" aria-label="Breadcrumb">
              <Link href="/fleet">Fleet</Link> / <span>{h.name}</span>
            </nav>
            <div className="row spread wrap">
              <h1 data-testid="host-name">{h.name}</h1>
              <HostStateBadge host={h} />
            </div>
            {!h.online && <OfflineBanner lastSeen={h.lastSeen} now={now} />}
            {h.online && <ClockOffsetWarning offsetMs={h.clockOffsetMs} />}
            <HostFacts
              host={containers.state.data ? withLiveTotals(h, containers.state.data) : h}
              now={now}
            />
            <ContainerFilters value={url} onChange={setUrl} />
            <Loaded
              read={containers}
              what="containers"
              isEmpty={() => groups.length === 0}
              empty={
                (containers.state.data ?? []).length === 0
                  ? "This host reports no containers."
                  : "No container matches these filters."
              }
            >
              {() =>
                groups.map(([project, cs]) => (
                  <section
                    key={project || "-"}
                    className="card"
                    aria-label={project ? `Compose project ${project}` : "Standalone containers"}
                    data-testid="compose-group"
                  >
                    <h2>
                      {project || "Standalone"} <span className="muted small">{cs.length}</span>
                    </h2>
                    <DataTable columns={COLUMNS} stackOnPhone>
                      {cs.map((c) => (
                        <HostContainerRow
                          key={c.id}
                          c={c}
                          spark={sparks.current.get(c.id)}
                          agentOnline={h.online}
                          now={now}
                        />
                      ))}
                    </DataTable>
                  </section>
                ))
              }
            </Loaded>
          </div>
        )}
      </Loaded>
    </>
  );
}

function HostFacts({ host, now }: { host: Host; now: number }) {
  return (
    <dl className="kv card">
      <dt>Last seen</dt>
      <dd>{formatAgo(host.lastSeen, now)}</dd>
      <dt>Agent</dt>
      <dd>{host.agentVersion ?? "–"}</dd>
      {host.info && (
        <>
          <dt>System</dt>
          <dd>
            {host.info.hostname} · {host.info.os} · {host.info.kernel} · {host.info.architecture}
          </dd>
          <dt>Docker</dt>
          <dd>
            {host.info.dockerVersion} (API {host.info.dockerApiVersion}) · cgroup v{host.info.cgroupVersion}
          </dd>
        </>
      )}
      <HostUsage host={host} />
    </dl>
  );
}

function HostContainerRow({
  c,
  spark,
  agentOnline,
  now,
}: {
  c: ContainerView;
  spark: Spark;
  agentOnline: boolean;
  now: number;
}) {
  const name = containerName(c);
  const running = c.state === "running";
  return (
    <tr data-testid="host-container-row" data-container={name}>
      <td>
        <Link href={`/fleet/${encodeURIComponent(c.hostId)}/${c.id}`}>{name}</Link>{" "}
        {c.protected && <ProtectedBadge />}
        {c.composeService && <div className="muted small">{c.composeService}</div>}
      </td>
      <td>
        <StateBadge state={c.state} />
        {c.health !== "none" && <div className="small muted">{c.health}</div>}
        <ExitSummary c={c} />
      </td>
      <td className="hide-sm mono ellipsis" title={c.image}>
        {c.image}
      </td>
      <td className="hide-sm">{uptime(c.startedAt, c.state, now)}</td>
      <td className="num">
        <Sparkline values={spark.cpu} label={`CPU of ${name}`} />
        <StaleFigures c={c}>{running ? formatPercent(c.latest?.cpuPercent) : "–"}</StaleFigures>
      </td>
      <td className="num">
        <Sparkline values={spark.mem} label={`Memory of ${name}`} />
        <StaleFigures c={c}>{running ? formatBytes(c.latest?.memUsedBytes) : "–"}</StaleFigures>
      </td>
      <td>
        <ActionMenu container={c} compact agentOnline={agentOnline} />
      </td>
    </tr>
  );
}
