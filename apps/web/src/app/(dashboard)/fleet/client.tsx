"use client";
import type { ContainerView, Host, LiveMessage } from "@crowsnest/protocol";
import Link from "next/link";
import { useCallback, useMemo } from "react";
import { ContainerFilters } from "../../../components/container-filters.tsx";
import { type Column, DataTable } from "../../../components/data-table.tsx";
import { HostCard } from "../../../components/host-card.tsx";
import { Loaded, noItems } from "../../../components/loaded.tsx";
import { ExitSummary, ProtectedBadge, StaleFigures, StateBadge } from "../../../components/states.tsx";
import { request } from "../../../lib/api.ts";
import { type ContainerQuery, filterContainers, sortContainers } from "../../../lib/container-filter.ts";
import { applyLiveToContainers, applyLiveToHosts, withLiveTotals } from "../../../lib/fleet.ts";
import { containerName, formatBytes, formatPercent } from "../../../lib/format.ts";
import { ContainerList, HostList } from "../../../lib/schemas.ts";
import { useLiveTopic } from "../../../lib/use-live-topic.ts";
import { useNow } from "../../../lib/use-now.ts";
import { useRead } from "../../../lib/use-read.ts";
import { useUrlState } from "../../../lib/use-url-state.ts";

const DEFAULTS: ContainerQuery = {
  host: "",
  state: "",
  name: "",
  image: "",
  label: "",
  sort: "name",
  dir: "asc",
};

const COLUMNS: Column[] = [
  { label: "Name", sortKey: "name" },
  { label: "Host" },
  { label: "State", sortKey: "state" },
  { label: "Image", wide: true },
  { label: "CPU", sortKey: "cpu", numeric: true },
  { label: "Memory", sortKey: "mem", numeric: true },
];

export function FleetClient() {
  const [url, setUrl] = useUrlState(DEFAULTS);
  const now = useNow();
  const hosts = useRead("hosts", (signal) => request(HostList, "/api/hosts", { signal }));
  const containers = useRead("containers", (signal) => request(ContainerList, "/api/containers", { signal }));
  const { set: setHosts } = hosts;
  const { set: setContainers, reload: reloadContainers } = containers;
  const onLive = useCallback(
    (m: LiveMessage) => {
      // Its arrival time, the same if the update is applied again to a later read (ReadResync).
      const at = Date.now();
      setHosts((hs) => applyLiveToHosts(hs, m, at));
      setContainers((cs) => applyLiveToContainers(cs, m));
      if (m.type === "host_status" && m.online) reloadContainers();
    },
    [setHosts, setContainers, reloadContainers],
  );
  useLiveTopic({ kind: "fleet" }, onLive, [hosts, containers]);

  const hostById = useMemo(() => new Map((hosts.state.data ?? []).map((h) => [h.id, h])), [hosts.state.data]);
  const rows = useMemo(
    () =>
      sortContainers(
        filterContainers(containers.state.data ?? [], url),
        url,
        (id) => hostById.get(id)?.name ?? id,
      ),
    [containers.state.data, url, hostById],
  );

  return (
    <div className="stack">
      <h1>Fleet</h1>
      <section aria-label="Hosts">
        <Loaded
          read={hosts}
          what="hosts"
          isEmpty={noItems}
          empty={
            <>
              No hosts yet. <Link href="/admin/hosts">Enrol a host</Link> and run the agent on it.
            </>
          }
        >
          {(list) => (
            <div className="host-grid">
              {list.map((h) => (
                <HostCard
                  key={h.id}
                  host={containers.state.data ? withLiveTotals(h, containers.state.data) : h}
                  now={now}
                />
              ))}
            </div>
          )}
        </Loaded>
      </section>

      <section aria-label="Containers" className="card">
        <div className="row spread wrap">
          <h2>Containers</h2>
          <span className="muted" data-testid="container-count">
            {rows.length} of {(containers.state.data ?? []).length}
          </span>
        </div>
        <ContainerFilters
          value={url}
          onChange={setUrl}
          hosts={(hosts.state.data ?? []).map((h) => ({ value: h.id, label: h.name }))}
        />
        <Loaded
          read={containers}
          what="containers"
          isEmpty={() => rows.length === 0}
          empty={
            noItems(containers.state.data ?? [])
              ? "No containers reported yet."
              : "No container matches these filters."
          }
        >
          {() => (
            <DataTable
              columns={COLUMNS}
              sort={{
                key: url.sort,
                dir: url.dir === "desc" ? "desc" : "asc",
                onSort: (sort, dir) => setUrl({ sort, dir }),
              }}
              stackOnPhone
              testId="fleet-table"
            >
              {rows.map((c) => (
                <FleetRow key={`${c.hostId}/${c.id}`} c={c} host={hostById.get(c.hostId)} />
              ))}
            </DataTable>
          )}
        </Loaded>
      </section>
    </div>
  );
}

function FleetRow({ c, host }: { c: ContainerView; host: Host | undefined }) {
  const running = c.state === "running";
  return (
    <tr data-testid="fleet-row" data-container={containerName(c)}>
      <td>
        <Link href={`/fleet/${encodeURIComponent(c.hostId)}/${c.id}`}>{containerName(c)}</Link>{" "}
        {c.protected && <ProtectedBadge />}
      </td>
      <td>
        <Link href={`/fleet/${encodeURIComponent(c.hostId)}`}>{host?.name ?? c.hostId}</Link>
        {host && !host.online && (
          <div className="small warn" data-testid="row-host-offline">
            agent offline
          </div>
        )}
      </td>
      <td>
        <StateBadge state={c.state} />
        <ExitSummary c={c} />
      </td>
      <td className="hide-sm mono ellipsis" title={c.image}>
        {c.image}
      </td>
      <td className="num">
        <StaleFigures c={c}>{running ? formatPercent(c.latest?.cpuPercent) : "–"}</StaleFigures>
      </td>
      <td className="num">
        <StaleFigures c={c}>{running ? formatBytes(c.latest?.memUsedBytes) : "–"}</StaleFigures>
      </td>
    </tr>
  );
}
