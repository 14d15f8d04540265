"use client";
import { type LiveMessage, MetricsResponse } from "@crowsnest/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText, query, request } from "../lib/api.ts";
import { formatBytes } from "../lib/format.ts";
import {
  type Column,
  joinHistory,
  MetricColumns,
  type MetricRow,
  RANGES,
  type RangeKey,
  rowFromPoint,
  rowFromSample,
} from "../lib/metrics.ts";
import { useLiveTopic } from "../lib/use-live-topic.ts";
import { Empty } from "./states.tsx";
import { type ChartHandle, TimeChart, type TimeChartProps } from "./time-chart.tsx";

const pct = (v: number) => `${v.toFixed(v === 0 ? 0 : v < 1 ? 2 : v < 10 ? 1 : 0)} %`;
const rate = (v: number) => `${formatBytes(v)}/s`;

/** Says why the network chart is empty for a container on the host's network (see MetricSample). */
const HOST_NETWORK_NOTE =
  "host network — the container shares the host's interfaces, so there is no per-container figure (docker stats shows 0 B)";

/**
 * The four charts: what each shows, from which columns of the metric store (one per series).
 * CPU and memory draw the average and, dashed, the peak: history comes as min/max buckets of the
 * range, so a spike shorter than a point still reaches the chart.
 */
const CHARTS: (Omit<TimeChartProps, "title"> & {
  title: (cpus: number | null) => string;
  columns: Column[];
})[] = [
  {
    testId: "chart-cpu",
    title: (cpus) =>
      `CPU — docker stats % (100 % = one core) and share of the host${cpus ? ` (${cpus} CPUs)` : ""}`,
    series: [
      { label: "CPU (100 % = 1 core)", colorVar: "--c1" },
      { label: "peak", colorVar: "--c1", dash: [4, 3] },
      { label: "% of host", colorVar: "--c2" },
    ],
    columns: ["cpu", "cpuMax", "cpuHost"],
    formatY: pct,
  },
  {
    testId: "chart-mem",
    title: () => "Memory — used (excluding inactive file cache) and % of its limit",
    series: [
      { label: "used", colorVar: "--c1" },
      { label: "peak", colorVar: "--c1", dash: [4, 3] },
      { label: "% of limit", colorVar: "--c2", scale: "y2" },
    ],
    columns: ["mem", "memMax", "memPct"],
    formatY: formatBytes,
    formatY2: pct,
    floor: 1024 * 1024,
  },
  {
    testId: "chart-net",
    title: () => "Network",
    series: [
      { label: "received", colorVar: "--c3" },
      { label: "sent", colorVar: "--c4" },
    ],
    columns: ["rx", "tx"],
    formatY: rate,
    floor: 1024,
  },
  {
    testId: "chart-blk",
    title: () => "Block IO",
    series: [
      { label: "read", colorVar: "--c3" },
      { label: "written", colorVar: "--c4" },
    ],
    columns: ["rd", "wr"],
    formatY: rate,
    floor: 1024,
  },
];

/** How the status line names each resolution of MetricsResponse. */
const RESOLUTION_TEXT: Record<string, string> = {
  raw: "at full resolution",
  "1m": "in 1-minute averages with their peaks",
  buckets: "reduced on the server to averages with their peaks",
};

/**
 * Live charts of one container: the stored history of the range, then every live sample from
 * /ws/live appended to the same charts (never re-created), with no gap or overlap where they meet.
 */
export function MetricCharts({
  hostId,
  containerId,
  range,
  setRange,
  hostCpus,
}: {
  hostId: string;
  containerId: string;
  range: RangeKey;
  setRange: (r: RangeKey) => void;
  /** The host's CPUs, for "share of the host" on history points (live samples carry their own). */
  hostCpus: number | null;
}) {
  const store = useRef(new MetricColumns(hostCpus));
  /** Live rows received while the history loads; null once it has. */
  const pending = useRef<MetricRow[] | null>([]);
  const handles = useRef(CHARTS.map(() => ({ current: null as ChartHandle | null })));
  const [status, setStatus] = useState<{
    kind: "loading" | "ok" | "error";
    text?: string;
    resolution?: string;
  }>({
    kind: "loading",
  });
  const [points, setPoints] = useState(0);
  const [hostNetwork, setHostNetwork] = useState(false);
  const rangeMs = RANGES[range];
  const base = `/api/hosts/${encodeURIComponent(hostId)}/containers/${containerId}`;

  const draw = useCallback(() => {
    const { cols, length } = store.current;
    const nowS = Date.now() / 1000;
    const xr: [number, number] = [nowS - rangeMs / 1000, nowS];
    CHARTS.forEach((chart, i) => {
      handles.current[i]?.current?.update([cols.x, ...chart.columns.map((c) => cols[c])], xr);
    });
    setPoints(length);
    setHostNetwork(store.current.hostNetwork);
  }, [rangeMs]);

  useEffect(() => {
    const ac = new AbortController();
    const settle = (history: MetricRow[]) => {
      store.current.hostCpus = hostCpus;
      joinHistory(store.current, history, pending.current ?? []);
      pending.current = null;
      draw();
    };
    pending.current = [];
    setStatus({ kind: "loading" });
    const to = Date.now();
    request(MetricsResponse, `${base}/metrics${query({ from: to - rangeMs, to })}`, {
      signal: ac.signal,
    }).then(
      (res) => {
        if (ac.signal.aborted) return;
        setStatus({ kind: "ok", resolution: res.resolution });
        settle(res.points.map(rowFromPoint));
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        setStatus({ kind: "error", text: errorText(err) });
        settle([]);
      },
    );
    return () => ac.abort();
  }, [base, rangeMs, hostCpus, draw]);

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
            : `${points} points · history ${RESOLUTION_TEXT[status.resolution ?? "raw"] ?? ""}, then live`}
      </div>
      {status.kind === "ok" && points === 0 && (
        <Empty>No samples in this range yet. Live samples appear here as they arrive.</Empty>
      )}
      <div className="chart-grid">
        {CHARTS.map(({ columns: _, title, ...chart }, i) => (
          <TimeChart
            key={chart.testId}
            {...chart}
            title={title(hostCpus)}
            note={chart.testId === "chart-net" && hostNetwork ? HOST_NETWORK_NOTE : undefined}
            handleRef={handles.current[i] ?? { current: null }}
          />
        ))}
      </div>
    </section>
  );
}
