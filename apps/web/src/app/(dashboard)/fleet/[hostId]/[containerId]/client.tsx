"use client";
import { ContainerView, Host, isProtected, type LiveMessage } from "@crowsnest/protocol";
import Link from "next/link";
import { Fragment, useCallback } from "react";
import { ActionMenu } from "../../../../../components/action-menu.tsx";
import { ContainerDetails } from "../../../../../components/container-details.tsx";
import { Loaded } from "../../../../../components/loaded.tsx";
import { LogView, type LogViewState } from "../../../../../components/log-view.tsx";
import { MetricCharts } from "../../../../../components/metric-charts.tsx";
import {
  ExitSummary,
  LogsUnreadable,
  OfflineBanner,
  ProtectedBadge,
  RemovedBanner,
  StateBadge,
} from "../../../../../components/states.tsx";
import { request } from "../../../../../lib/api.ts";
import { applyLiveToContainers, applyLiveToHosts, withSample } from "../../../../../lib/fleet.ts";
import { containerName, pageTitle } from "../../../../../lib/format.ts";
import { isRangeKey, type RangeKey } from "../../../../../lib/metrics.ts";
import { useLiveTopic } from "../../../../../lib/use-live-topic.ts";
import { useNow } from "../../../../../lib/use-now.ts";
import { useRead } from "../../../../../lib/use-read.ts";
import { useUrlState } from "../../../../../lib/use-url-state.ts";

const DEFAULTS = { range: "15m", q: "", match: "prefix", case: "insensitive", stream: "all", ts: "1" };

/** A container that is not running opens on its logs (why it stopped), a running one on its charts. */
function opensOnLogs(c: ContainerView): boolean {
  return c.removedAt !== null || c.state === "restarting" || c.state === "exited" || c.state === "dead";
}

export function ContainerClient({ hostId, containerId }: { hostId: string; containerId: string }) {
  const [url, setUrl] = useUrlState(DEFAULTS);
  const now = useNow();
  const hostPath = `/api/hosts/${encodeURIComponent(hostId)}`;
  const host = useRead(`host:${hostId}`, (signal) => request(Host, hostPath, { signal }));
  const container = useRead(`container:${hostId}:${containerId}`, (signal) =>
    request(ContainerView, `${hostPath}/containers/${containerId}`, { signal }),
  );
  const { set: setContainer } = container;
  const { set: setHost } = host;
  const onLive = useCallback(
    (m: LiveMessage) => {
      const info =
        m.type === "event" && m.event.containerId === containerId
          ? m.event.container
          : m.type === "inventory"
            ? m.containers.find((c) => c.id === containerId)
            : undefined;
      if (info === null && m.type === "event") {
        const at = m.event.time;
        setContainer((c) => ({ ...c, removedAt: c.removedAt ?? at, latest: null }));
      } else if (info) setContainer((c) => ({ ...c, ...info, protected: isProtected(info.labels) }));
      if (m.type === "metrics") {
        const s = m.samples.filter((x) => x.containerId === containerId).at(-1);
        if (s) setContainer((c) => withSample(c, s));
      }
      if (m.type === "host_status") {
        const at = Date.now();
        setHost((h) => applyLiveToHosts([h], m, at)[0] ?? h);
        setContainer((c) => applyLiveToContainers([c], m)[0] ?? c);
      }
    },
    [containerId, setContainer, setHost],
  );
  useLiveTopic({ kind: "container", hostId, containerId }, onLive, [host, container]);

  const setLogState = useCallback((p: Partial<LogViewState>) => setUrl(p), [setUrl]);
  const h = host.state.data;
  const c0 = container.state.data;
  const range: RangeKey = isRangeKey(url.range) ? url.range : "15m";
  return (
    <div className="stack">
      {/* React puts it in <head>; no Next metadata title competes with it (see the root layout). */}
      <title>{pageTitle(c0 ? containerName(c0) : null, h?.name)}</title>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href="/fleet">Fleet</Link> /{" "}
        <Link href={`/fleet/${encodeURIComponent(hostId)}`}>{h?.name ?? hostId}</Link> /{" "}
        <span>{container.state.data ? containerName(container.state.data) : containerId.slice(0, 12)}</span>
      </nav>
      <Loaded read={container} what="container">
        {(c) => {
          const logsFirst = opensOnLogs(c);
          const charts =
            // Waits for the host: its CPU count gives history points their share of the host.
            host.state.status !== "loading" && (
              <MetricCharts
                hostId={hostId}
                containerId={containerId}
                range={range}
                setRange={(r) => setUrl({ range: r })}
                hostCpus={h?.info?.cpus ?? null}
              />
            );
          const logs = c.logs?.unreadable ? (
            <LogsUnreadable driver={c.logs.driver} reason={c.logs.unreadable} />
          ) : (
            <LogView
              hostId={hostId}
              containerId={containerId}
              name={containerName(c)}
              state={{ q: url.q, match: url.match, case: url.case, stream: url.stream, ts: url.ts }}
              setState={setLogState}
            />
          );
          // Keyed, so that a crash loop's flips between the two orders move the sections rather than
          // mount the log view again (its tail, search and scroll kept).
          const logsSection = <Fragment key="logs">{logs}</Fragment>;
          const chartsSection = <Fragment key="charts">{charts}</Fragment>;
          const details = <ContainerDetails key="details" c={c} now={now} />;
          return (
            <>
              <div className="row spread wrap">
                <h1 data-testid="container-name">
                  {containerName(c)} {c.protected && <ProtectedBadge />}
                </h1>
                <div>
                  <StateBadge state={c.removedAt === null ? c.state : "removed"} />
                  <ExitSummary c={c} />
                </div>
              </div>
              {c.removedAt !== null && <RemovedBanner at={c.removedAt} />}
              {h && !h.online && c.removedAt === null && <OfflineBanner lastSeen={h.lastSeen} now={now} />}
              <ActionMenu container={c} agentOnline={h?.online ?? true} />
              <div
                className="stack"
                data-testid="container-sections"
                data-first={logsFirst ? "logs" : "charts"}
              >
                {logsFirst ? [logsSection, details, chartsSection] : [details, chartsSection, logsSection]}
              </div>
            </>
          );
        }}
      </Loaded>
    </div>
  );
}
