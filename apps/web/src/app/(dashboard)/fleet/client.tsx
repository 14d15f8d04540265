"use client";
import type { ContainerView, Host, LiveMessage } from "@crowsnest/protocol";
import Link from "next/link";
import { useCallback, useMemo } from "react";
import {
  Empty,
  ErrorState,
  Loading,
  OnlineBadge,
  ProtectedBadge,
  StateBadge,
} from "../../../components/states.tsx";
import { request } from "../../../lib/api.ts";
import { applyLiveToContainers, applyLiveToHosts } from "../../../lib/fleet.ts";
import { containerName, formatAgo, formatBytes, formatPercent } from "../../../lib/format.ts";
import { useLiveTopic, useNow, useRead, useUrlState } from "../../../lib/hooks.ts";
import { ContainerList, HostList } from "../../../lib/schemas.ts";

const DEFAULTS = { host: "", state: "", name: "", image: "", label: "", sort: "name", dir: "asc" };

export function FleetClient() {
  const [url, setUrl] = useUrlState(DEFAULTS);
  const now = useNow();
  const hosts = useRead("hosts", (signal) => request(HostList, "/api/hosts", { signal }));
  const containers = useRead("containers", (signal) => request(ContainerList, "/api/containers", { signal }));
  const setHosts = hosts.set;
  const setContainers = containers.set;
  const reloadContainers = containers.reload;
  const onLive = useCallback(
    (m: LiveMessage) => {
      setHosts((hs) => applyLiveToHosts(hs, m));
      setContainers((cs) => applyLiveToContainers(cs, m));
      if (m.type === "host_status" && m.online) reloadContainers();
    },
    [setHosts, setContainers, reloadContainers],
  );
  useLiveTopic({ kind: "fleet" }, onLive);

  const hostNames = useMemo(
    () => new Map((hosts.state.data ?? []).map((h) => [h.id, h.name])),
    [hosts.state.data],
  );
  const rows = useMemo(
    () => filterAndSort(containers.state.data ?? [], url, hostNames),
    [containers.state.data, url, hostNames],
  );

  return (
    <div className="stack">
      <h1>Fleet</h1>
      <section aria-label="Hosts">
        {hosts.state.status === "loading" ? (
          <Loading what="hosts" />
        ) : hosts.state.status === "error" && !hosts.state.data ? (
          <ErrorState error={hosts.state.error} onRetry={hosts.reload} />
        ) : (hosts.state.data ?? []).length === 0 ? (
          <Empty>
            No hosts yet. <Link href="/admin/hosts">Enrol a host</Link> and run the agent on it.
          </Empty>
        ) : (
          <div className="host-grid">
            {(hosts.state.data ?? []).map((h) => (
              <HostCard key={h.id} host={h} now={now} />
            ))}
          </div>
        )}
      </section>

      <section aria-label="Containers" className="card">
        <div className="row spread wrap">
          <h2>Containers</h2>
          <span className="muted" data-testid="container-count">
            {rows.length} of {(containers.state.data ?? []).length}
          </span>
        </div>
        <div className="filters">
          <select
            aria-label="Filter by host"
            value={url.host}
            onChange={(e) => setUrl({ host: e.target.value })}
            data-testid="filter-host"
          >
            <option value="">all hosts</option>
            {(hosts.state.data ?? []).map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
              </option>
            ))}
          </select>
          <select
            aria-label="Filter by state"
            value={url.state}
            onChange={(e) => setUrl({ state: e.target.value })}
            data-testid="filter-state"
          >
            <option value="">any state</option>
            {["running", "paused", "restarting", "exited", "created", "dead"].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <input
            aria-label="Filter by name"
            placeholder="name"
            value={url.name}
            onChange={(e) => setUrl({ name: e.target.value })}
            data-testid="filter-name"
          />
          <input
            aria-label="Filter by image"
            placeholder="image"
            value={url.image}
            onChange={(e) => setUrl({ image: e.target.value })}
            data-testid="filter-image"
          />
          <input
            aria-label="Filter by label"
            placeholder="label key or key=value"
            value={url.label}
            onChange={(e) => setUrl({ label: e.target.value })}
            data-testid="filter-label"
          />
        </div>
        {containers.state.status === "loading" ? (
          <Loading what="containers" />
        ) : containers.state.status === "error" && !containers.state.data ? (
          <ErrorState error={containers.state.error} onRetry={containers.reload} />
        ) : rows.length === 0 ? (
          <Empty>
            {(containers.state.data ?? []).length === 0
              ? "No containers reported yet."
              : "No container matches these filters."}
          </Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="fleet-table">
              <thead>
                <tr>
                  <SortTh label="Name" k="name" url={url} setUrl={setUrl} />
                  <th>Host</th>
                  <SortTh label="State" k="state" url={url} setUrl={setUrl} />
                  <th className="hide-sm">Image</th>
                  <SortTh label="CPU" k="cpu" url={url} setUrl={setUrl} num />
                  <SortTh label="Memory" k="mem" url={url} setUrl={setUrl} num />
                </tr>
              </thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={`${c.hostId}/${c.id}`} data-testid="fleet-row" data-container={containerName(c)}>
                    <td>
                      <Link href={`/fleet/${encodeURIComponent(c.hostId)}/${c.id}`}>{containerName(c)}</Link>{" "}
                      {c.protected && <ProtectedBadge />}
                    </td>
                    <td>
                      <Link href={`/fleet/${encodeURIComponent(c.hostId)}`}>
                        {hostNames.get(c.hostId) ?? c.hostId}
                      </Link>
                    </td>
                    <td>
                      <StateBadge state={c.state} />
                    </td>
                    <td className="hide-sm mono ellipsis" title={c.image}>
                      {c.image}
                    </td>
                    <td className="num">
                      {c.state === "running" ? formatPercent(c.latest?.cpuPercent) : "–"}
                    </td>
                    <td className="num">
                      {c.state === "running" ? formatBytes(c.latest?.memUsedBytes) : "–"}
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

function SortTh({
  label,
  k,
  url,
  setUrl,
  num,
}: {
  label: string;
  k: string;
  url: typeof DEFAULTS;
  setUrl: (p: Partial<typeof DEFAULTS>) => void;
  num?: boolean;
}) {
  const active = url.sort === k;
  const dir = active ? url.dir : "asc";
  return (
    <th
      className={num ? "num" : undefined}
      aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}
    >
      <button
        type="button"
        className="th-sort"
        onClick={() =>
          setUrl({ sort: k, dir: active && dir === "asc" ? "desc" : active ? "asc" : num ? "desc" : "asc" })
        }
        data-testid={`sort-${k}`}
      >
        {label} {active ? (dir === "asc" ? "▲" : "▼") : ""}
      </button>
    </th>
  );
}

function HostCard({ host, now }: { host: Host; now: number }) {
  const counts = Object.entries(host.containerCounts).filter(([, n]) => n > 0);
  const memPct =
    host.info && host.info.memoryBytes > 0 ? (host.memUsedBytes / host.info.memoryBytes) * 100 : null;
  const cpuShare = host.info ? host.cpuPercent / host.info.cpus : null;
  return (
    <Link
      href={`/fleet/${encodeURIComponent(host.id)}`}
      className="card host-card"
      data-testid="host-card"
      data-host={host.name}
    >
      <div className="row spread">
        <strong>{host.name}</strong>
        <OnlineBadge online={host.online} />
      </div>
      <div className="muted small">last seen {formatAgo(host.lastSeen, now)}</div>
      <div className="counts">
        {counts.length === 0 ? (
          <span className="muted small">no containers</span>
        ) : (
          counts.map(([s, n]) => (
            <span key={s} className={`count st-${s}`}>
              {n} {s}
            </span>
          ))
        )}
      </div>
      <dl className="kv small">
        <dt>CPU</dt>
        <dd title="Sum of running containers; 100 % = one core">
          {formatPercent(host.cpuPercent)}
          {cpuShare !== null && <span className="muted"> ({formatPercent(cpuShare)} of host)</span>}
        </dd>
        <dt>Memory</dt>
        <dd>
          {formatBytes(host.memUsedBytes)}
          {memPct !== null && (
            <span className="muted">
              {" "}
              ({formatPercent(memPct)} of {formatBytes(host.info?.memoryBytes)})
            </span>
          )}
        </dd>
      </dl>
      {host.droppedBatches > 0 && (
        <div className="small warn">agent dropped {host.droppedBatches} batches</div>
      )}
    </Link>
  );
}

function filterAndSort(
  all: ContainerView[],
  url: typeof DEFAULTS,
  hostNames: Map<string, string>,
): ContainerView[] {
  const name = url.name.toLowerCase();
  const image = url.image.toLowerCase();
  const [lk, lv] = url.label.includes("=") ? url.label.split(/=(.*)/s) : [url.label, undefined];
  const rows = all.filter((c) => {
    if (url.host && c.hostId !== url.host) return false;
    if (url.state && c.state !== url.state) return false;
    if (name && !containerName(c).toLowerCase().includes(name)) return false;
    if (image && !c.image.toLowerCase().includes(image)) return false;
    if (lk) {
      const v = c.labels[lk];
      if (v === undefined) return false;
      if (lv !== undefined && v !== lv) return false;
    }
    return true;
  });
  const sign = url.dir === "desc" ? -1 : 1;
  const key = (c: ContainerView): number | string => {
    switch (url.sort) {
      case "cpu":
        return c.state === "running" ? (c.latest?.cpuPercent ?? 0) : -1;
      case "mem":
        return c.state === "running" ? (c.latest?.memUsedBytes ?? 0) : -1;
      case "state":
        return c.state;
      default:
        return `${containerName(c)} ${hostNames.get(c.hostId) ?? ""}`;
    }
  };
  return rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : 0) * sign;
  });
}
