"use client";
import type { ContainerView, LiveMessage } from "@crowsnest/protocol";
import Link from "next/link";
import { useCallback, useMemo, useRef } from "react";
import { ActionMenu } from "../../../../components/action-menu.tsx";
import { Sparkline } from "../../../../components/sparkline.tsx";
import {
  Empty,
  ErrorState,
  Loading,
  OfflineBanner,
  OnlineBadge,
  ProtectedBadge,
  StateBadge,
} from "../../../../components/states.tsx";
import { request } from "../../../../lib/api.ts";
import { applyLiveToContainers, applyLiveToHosts } from "../../../../lib/fleet.ts";
import { containerName, formatAgo, formatBytes, formatPercent, uptime } from "../../../../lib/format.ts";
import { useLiveTopic, useNow, useRead, useUrlState } from "../../../../lib/hooks.ts";
import { ContainerList, HostOne } from "../../../../lib/schemas.ts";

const SPARK_POINTS = 60;
const DEFAULTS = { q: "", state: "" };

export function HostClient({ hostId }: { hostId: string }) {
  const [url, setUrl] = useUrlState(DEFAULTS);
  const now = useNow();
  const base = `/api/hosts/${encodeURIComponent(hostId)}`;
  const host = useRead(`host:${hostId}`, (signal) => request(HostOne, base, { signal }));
  const containers = useRead(`host-containers:${hostId}`, (signal) =>
    request(ContainerList, `${base}/containers`, { signal }),
  );
  const history = useRef(new Map<string, { cpu: number[]; mem: number[] }>());
  const setHost = host.set;
  const setContainers = containers.set;
  const onLive = useCallback(
    (m: LiveMessage) => {
      if (m.type === "metrics") {
        for (const s of m.samples) {
          let h = history.current.get(s.containerId);
          if (!h) {
            h = { cpu: [], mem: [] };
            history.current.set(s.containerId, h);
          }
          h.cpu.push(s.cpuPercent);
          h.mem.push(s.memUsedBytes);
          if (h.cpu.length > SPARK_POINTS) h.cpu.shift();
          if (h.mem.length > SPARK_POINTS) h.mem.shift();
        }
      }
      setHost((h) => applyLiveToHosts([h], m)[0] ?? h);
      setContainers((cs) => applyLiveToContainers(cs, m));
    },
    [setHost, setContainers],
  );
  useLiveTopic({ kind: "host", hostId }, onLive);

  const groups = useMemo(() => {
    const q = url.q.toLowerCase();
    const list = (containers.state.data ?? []).filter(
      (c) =>
        (!url.state || c.state === url.state) &&
        (!q || containerName(c).toLowerCase().includes(q) || c.image.toLowerCase().includes(q)),
    );
    const by = new Map<string, ContainerView[]>();
    for (const c of list) {
      const k = c.composeProject ?? "";
      by.set(k, [...(by.get(k) ?? []), c]);
    }
    return [...by.entries()]
      .sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)))
      .map(([k, cs]) => [k, cs.sort((a, b) => containerName(a).localeCompare(containerName(b)))] as const);
  }, [containers.state.data, url.q, url.state]);

  if (host.state.status === "loading") return <Loading what="host" />;
  if (host.state.status === "error" && !host.state.data)
    return <ErrorState error={host.state.error} onRetry={host.reload} />;
  const h = host.state.data;
  if (!h) return null;
  return (
    <div className="stack">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/fleet">Fleet</Link> / <span>{h.name}</span>
      </nav>
      <div className="row spread wrap">
        <h1 data-testid="host-name">{h.name}</h1>
        <OnlineBadge online={h.online} />
      </div>
      {!h.online && <OfflineBanner lastSeen={h.lastSeen} now={now} />}
      <dl className="kv card">
        <dt>Last seen</dt>
        <dd>{formatAgo(h.lastSeen, now)}</dd>
        <dt>Agent</dt>
        <dd>{h.agentVersion ?? "–"}</dd>
        {h.info && (
          <>
            <dt>System</dt>
            <dd>
              {h.info.hostname} · {h.info.os} · {h.info.kernel} · {h.info.architecture}
            </dd>
            <dt>Resources</dt>
            <dd>
              {h.info.cpus} CPUs · {formatBytes(h.info.memoryBytes)} · cgroup v{h.info.cgroupVersion}
            </dd>
            <dt>Docker</dt>
            <dd>
              {h.info.dockerVersion} (API {h.info.dockerApiVersion})
            </dd>
          </>
        )}
        <dt>CPU</dt>
        <dd>{formatPercent(h.cpuPercent)} (100 % = one core)</dd>
        <dt>Memory</dt>
        <dd>{formatBytes(h.memUsedBytes)}</dd>
      </dl>
      <div className="filters">
        <input
          aria-label="Search containers"
          placeholder="name or image"
          value={url.q}
          onChange={(e) => setUrl({ q: e.target.value })}
          data-testid="host-search"
        />
        <select
          aria-label="Filter by state"
          value={url.state}
          onChange={(e) => setUrl({ state: e.target.value })}
          data-testid="host-filter-state"
        >
          <option value="">any state</option>
          {["running", "paused", "restarting", "exited", "created", "dead"].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      {containers.state.status === "loading" ? (
        <Loading what="containers" />
      ) : containers.state.status === "error" && !containers.state.data ? (
        <ErrorState error={containers.state.error} onRetry={containers.reload} />
      ) : groups.length === 0 ? (
        <Empty>
          {(containers.state.data ?? []).length === 0
            ? "This host reports no containers."
            : "No container matches."}
        </Empty>
      ) : (
        groups.map(([project, cs]) => (
          <section
            key={project || "-"}
            className="card"
            aria-label={project ? `Compose project ${project}` : "Standalone containers"}
            data-testid="compose-group"
          >
            <h2>{project ? `${project}` : "Standalone"}</h2>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>State</th>
                    <th className="hide-sm">Image</th>
                    <th className="hide-sm">Uptime</th>
                    <th>CPU</th>
                    <th>Memory</th>
                    <th className="hide-sm">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {cs.map((c) => {
                    const spark = history.current.get(c.id);
                    return (
                      <tr key={c.id} data-testid="host-container-row" data-container={containerName(c)}>
                        <td>
                          <Link href={`/fleet/${encodeURIComponent(hostId)}/${c.id}`}>
                            {containerName(c)}
                          </Link>{" "}
                          {c.protected && <ProtectedBadge />}
                          {c.composeService && <div className="muted small">{c.composeService}</div>}
                        </td>
                        <td>
                          <StateBadge state={c.state} />
                          {c.health !== "none" && <div className="small muted">{c.health}</div>}
                        </td>
                        <td className="hide-sm mono ellipsis" title={c.image}>
                          {c.image}
                        </td>
                        <td className="hide-sm">{uptime(c.startedAt, c.state, now)}</td>
                        <td className="num">
                          <Sparkline values={spark?.cpu ?? []} label={`CPU of ${containerName(c)}`} />
                          <div>{c.state === "running" ? formatPercent(c.latest?.cpuPercent) : "–"}</div>
                        </td>
                        <td className="num">
                          <Sparkline values={spark?.mem ?? []} label={`Memory of ${containerName(c)}`} />
                          <div>{c.state === "running" ? formatBytes(c.latest?.memUsedBytes) : "–"}</div>
                        </td>
                        <td className="hide-sm">
                          <ActionMenu container={c} compact agentOnline={h.online} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        ))
      )}
    </div>
  );
}
