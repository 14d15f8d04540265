"use client";
import { type ContainerView, isProtected, type LiveMessage, type MetricSample } from "@crowsnest/protocol";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { ActionMenu } from "../../../../../components/action-menu.tsx";
import { LogView, type LogViewState } from "../../../../../components/log-view.tsx";
import {
  Empty,
  ErrorState,
  Loading,
  OfflineBanner,
  ProtectedBadge,
  StateBadge,
} from "../../../../../components/states.tsx";
import { type ChartHandle, TimeChart } from "../../../../../components/time-chart.tsx";
import { errorText, HttpError, query, request } from "../../../../../lib/api.ts";
import { applyLiveToHosts } from "../../../../../lib/fleet.ts";
import { containerName, formatBytes, formatPercent, formatTime, uptime } from "../../../../../lib/format.ts";
import { useLiveTopic, useNow, useRead, useUrlState } from "../../../../../lib/hooks.ts";
import {
  isRangeKey,
  joinHistory,
  MetricColumns,
  type MetricRow,
  RANGES,
  type RangeKey,
  rowFromPoint,
  rowFromSample,
} from "../../../../../lib/metrics.ts";
import { ContainerOne, HostOne, MetricsResponse } from "../../../../../lib/schemas.ts";

const DEFAULTS = { range: "15m", q: "", stream: "all", ts: "1" };

export function ContainerClient({ hostId, containerId }: { hostId: string; containerId: string }) {
  const [url, setUrl] = useUrlState(DEFAULTS);
  const now = useNow();
  const hostBase = `/api/hosts/${encodeURIComponent(hostId)}`;
  const base = `${hostBase}/containers/${containerId}`;
  const host = useRead(`host:${hostId}`, (signal) => request(HostOne, hostBase, { signal }));
  const container = useRead(`container:${hostId}:${containerId}`, (signal) =>
    request(ContainerOne, base, { signal }),
  );
  const [gone, setGone] = useState(false);
  const setContainer = container.set;
  const setHost = host.set;
  const onLive = useCallback(
    (m: LiveMessage) => {
      if (m.type === "event" && m.event.containerId === containerId) {
        const info = m.event.container;
        if (info === null) setGone(true);
        else setContainer((c) => ({ ...c, ...info, protected: isProtected(info.labels) }));
      } else if (m.type === "inventory") {
        const info = m.containers.find((c) => c.id === containerId);
        if (info) setContainer((c) => ({ ...c, ...info, protected: isProtected(info.labels) }));
      } else if (m.type === "metrics") {
        const s = m.samples.filter((x) => x.containerId === containerId).at(-1);
        if (s) setContainer((c) => ({ ...c, latest: s }));
      } else if (m.type === "host_status") {
        setHost((h) => applyLiveToHosts([h], m)[0] ?? h);
      }
    },
    [containerId, setContainer, setHost],
  );
  useLiveTopic({ kind: "container", hostId, containerId }, onLive);

  const setLogState = useCallback((p: Partial<LogViewState>) => setUrl(p), [setUrl]);

  if (container.state.status === "loading") return <Loading what="container" />;
  if (container.state.status === "error" && !container.state.data) {
    return (
      <div className="stack">
        <Crumbs hostId={hostId} hostName={host.state.data?.name ?? hostId} name={containerId.slice(0, 12)} />
        <ErrorState error={container.state.error} onRetry={container.reload} />
      </div>
    );
  }
  const c = container.state.data;
  if (!c) return null;
  const h = host.state.data;
  const range: RangeKey = isRangeKey(url.range) ? url.range : "15m";
  return (
    <div className="stack">
      <Crumbs hostId={hostId} hostName={h?.name ?? hostId} name={containerName(c)} />
      <div className="row spread wrap">
        <h1 data-testid="container-name">
          {containerName(c)} {c.protected && <ProtectedBadge />}
        </h1>
        <StateBadge state={c.state} />
      </div>
      {gone && (
        <div className="banner banner-warn" role="status" data-testid="container-gone">
          This container was removed.
        </div>
      )}
      {h && !h.online && <OfflineBanner lastSeen={h.lastSeen} now={now} />}
      <ActionMenu container={c} agentOnline={h?.online ?? true} />
      <Details c={c} now={now} />
      <Charts
        base={base}
        range={range}
        setRange={(r) => setUrl({ range: r })}
        hostCpus={h?.info?.cpus ?? null}
        hostId={hostId}
        containerId={containerId}
        latest={c.latest}
      />
      <LogView
        hostId={hostId}
        containerId={containerId}
        state={{ q: url.q, stream: url.stream, ts: url.ts }}
        setState={setLogState}
      />
    </div>
  );
}

function Crumbs({ hostId, hostName, name }: { hostId: string; hostName: string; name: string }) {
  return (
    <nav className="crumbs" aria-label="Breadcrumb">
      <Link href="/fleet">Fleet</Link> / <Link href={`/fleet/${encodeURIComponent(hostId)}`}>{hostName}</Link>{" "}
      / <span>{name}</span>
    </nav>
  );
}

function Details({ c, now }: { c: ContainerView; now: number }) {
  const labels = Object.entries(c.labels).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="card" aria-label="Details">
      <dl className="kv" data-testid="container-details">
        <dt>Status</dt>
        <dd>{c.status}</dd>
        <dt>Image</dt>
        <dd className="mono">{c.image}</dd>
        <dt>ID</dt>
        <dd className="mono ellipsis" title={c.id}>
          {c.id}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(c.created)}</dd>
        <dt>Uptime</dt>
        <dd>{uptime(c.startedAt, c.state, now)}</dd>
        <dt>Exit code</dt>
        <dd data-testid="exit-code">{c.exitCode ?? "–"}</dd>
        <dt>Restarts</dt>
        <dd>{c.restartCount}</dd>
        <dt>Health</dt>
        <dd>{c.health}</dd>
        <dt>Ports</dt>
        <dd>
          {c.ports.length === 0
            ? "none"
            : c.ports
                .map((p) =>
                  p.publicPort
                    ? `${p.ip ?? ""}:${p.publicPort}→${p.privatePort}/${p.protocol}`
                    : `${p.privatePort}/${p.protocol}`,
                )
                .join(", ")}
        </dd>
        {c.latest && (
          <>
            <dt>CPU</dt>
            <dd>
              {formatPercent(c.latest.cpuPercent)}{" "}
              <span className="muted">(docker stats: 100 % = one core)</span> ·{" "}
              {formatPercent(c.latest.cpuPercent / c.latest.onlineCpus)}{" "}
              <span className="muted">of the host ({c.latest.onlineCpus} CPUs)</span>
            </dd>
            <dt>Memory</dt>
            <dd>
              {formatBytes(c.latest.memUsedBytes)} used
              {c.latest.memLimitBytes > 0 && (
                <>
                  {" "}
                  · {formatPercent((c.latest.memUsedBytes / c.latest.memLimitBytes) * 100)}{" "}
                  <span className="muted">of the {formatBytes(c.latest.memLimitBytes)} limit</span>
                </>
              )}
            </dd>
            <dt>PIDs</dt>
            <dd>{c.latest.pids}</dd>
          </>
        )}
      </dl>
      <details>
        <summary>Labels ({labels.length})</summary>
        {labels.length === 0 ? (
          <p className="muted">No labels.</p>
        ) : (
          <dl className="kv labels" data-testid="labels">
            {labels.map(([k, v]) => (
              <div key={k} className="kv-pair">
                <dt className="mono">{k}</dt>
                <dd className="mono">{v}</dd>
              </div>
            ))}
          </dl>
        )}
      </details>
    </section>
  );
}

const pct = (v: number) => `${v.toFixed(v === 0 ? 0 : v < 1 ? 2 : v < 10 ? 1 : 0)} %`;
const bytes = (v: number) => formatBytes(v);
const rate = (v: number) => `${formatBytes(v)}/s`;

function Charts({
  base,
  range,
  setRange,
  hostCpus,
  hostId,
  containerId,
  latest,
}: {
  base: string;
  range: RangeKey;
  setRange: (r: RangeKey) => void;
  hostCpus: number | null;
  hostId: string;
  containerId: string;
  latest: MetricSample | null;
}) {
  const store = useRef(new MetricColumns(hostCpus));
  const pending = useRef<MetricRow[] | null>([]);
  const cpu = useRef<ChartHandle | null>(null);
  const mem = useRef<ChartHandle | null>(null);
  const net = useRef<ChartHandle | null>(null);
  const blk = useRef<ChartHandle | null>(null);
  const [status, setStatus] = useState<{
    kind: "loading" | "ok" | "error";
    text?: string;
    resolution?: string;
  }>({ kind: "loading" });
  const [points, setPoints] = useState(0);
  const rangeMs = RANGES[range];

  const draw = useCallback(() => {
    const s = store.current;
    const nowS = Date.now() / 1000;
    const xr: [number, number] = [nowS - rangeMs / 1000, nowS];
    const c = s.cols as Record<string, number[]>;
    const x = c.x ?? [];
    cpu.current?.update([x, c.cpu ?? [], c.cpuHost ?? []], xr);
    mem.current?.update([x, c.mem ?? [], c.memPct ?? []], xr);
    net.current?.update([x, c.rx ?? [], c.tx ?? []], xr);
    blk.current?.update([x, c.rd ?? [], c.wr ?? []], xr);
    setPoints(s.length);
  }, [rangeMs]);

  // History for the range, joined with the live samples that arrive meanwhile.
  useEffect(() => {
    const ac = new AbortController();
    pending.current = [];
    setStatus({ kind: "loading" });
    const to = Date.now();
    const from = to - rangeMs;
    request(MetricsResponse, `${base}/metrics${query({ from, to })}`, { signal: ac.signal }).then(
      (res) => {
        if (ac.signal.aborted) return;
        joinHistory(store.current, res.points.map(rowFromPoint), pending.current ?? []);
        pending.current = null;
        setStatus({ kind: "ok", resolution: res.resolution });
        draw();
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        store.current.clear();
        joinHistory(store.current, [], pending.current ?? []);
        pending.current = null;
        setStatus({ kind: "error", text: err instanceof HttpError ? errorText(err) : String(err) });
        draw();
      },
    );
    return () => ac.abort();
  }, [base, rangeMs, draw]);

  const onLive = useCallback(
    (m: LiveMessage) => {
      if (m.type !== "metrics") return;
      const rows = m.samples.filter((s) => s.containerId === containerId).map(rowFromSample);
      if (rows.length === 0) return;
      if (pending.current) {
        pending.current.push(...rows);
        return;
      }
      let added = false;
      for (const r of rows) added = store.current.push(r) || added;
      if (!added) return;
      store.current.trim(Date.now() - rangeMs);
      draw();
    },
    [containerId, rangeMs, draw],
  );
  useLiveTopic({ kind: "container", hostId, containerId }, onLive);

  const cpus = latest?.onlineCpus ?? hostCpus;
  return (
    <section aria-label="Metrics" className="stack">
      <div className="row spread wrap">
        <h2>Metrics</h2>
        <fieldset className="segmented" aria-label="History range">
          {(Object.keys(RANGES) as RangeKey[]).map((r) => (
            <button
              key={r}
              type="button"
              aria-pressed={r === range}
              className={r === range ? "on" : undefined}
              onClick={() => setRange(r)}
              data-testid={`range-${r}`}
            >
              {r}
            </button>
          ))}
        </fieldset>
      </div>
      <div className="muted small" data-testid="chart-status" data-points={points}>
        {status.kind === "loading"
          ? "Loading history…"
          : status.kind === "error"
            ? `History unavailable (${status.text}); showing live samples only.`
            : `${points} points · history at ${status.resolution === "1m" ? "1-minute averages" : "full resolution"}, then live`}
      </div>
      {status.kind === "ok" && points === 0 && (
        <Empty>No samples in this range yet. Live samples appear here as they arrive.</Empty>
      )}
      <div className="chart-grid">
        <TimeChart
          title={`CPU — docker stats % (100 % = one core) and share of the host${cpus ? ` (${cpus} CPUs)` : ""}`}
          series={[
            { label: "CPU (100 % = 1 core)", colorVar: "--c1" },
            { label: "% of host", colorVar: "--c2" },
          ]}
          formatY={pct}
          floor={1}
          handleRef={cpu}
          testId="chart-cpu"
        />
        <TimeChart
          title="Memory — used (excluding inactive file cache) and % of its limit"
          series={[
            { label: "used", colorVar: "--c1" },
            { label: "% of limit", colorVar: "--c2", scale: "y2" },
          ]}
          formatY={bytes}
          formatY2={pct}
          floor={1024 * 1024}
          floor2={1}
          handleRef={mem}
          testId="chart-mem"
        />
        <TimeChart
          title="Network"
          series={[
            { label: "received", colorVar: "--c3" },
            { label: "sent", colorVar: "--c4" },
          ]}
          formatY={rate}
          floor={1024}
          handleRef={net}
          testId="chart-net"
        />
        <TimeChart
          title="Block IO"
          series={[
            { label: "read", colorVar: "--c3" },
            { label: "written", colorVar: "--c4" },
          ]}
          formatY={rate}
          floor={1024}
          handleRef={blk}
          testId="chart-blk"
        />
      </div>
    </section>
  );
}
