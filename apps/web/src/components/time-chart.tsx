"use client";
import { useEffect, useRef } from "react";
import type uPlot from "uplot";

export interface ChartSeries {
  label: string;
  /** CSS variable holding the colour, e.g. "--c1". */
  colorVar: string;
  scale?: string;
}

export interface ChartHandle {
  /** Pushes the current data into the existing chart (no re-creation). */
  update: (data: uPlot.AlignedData, range: [number, number]) => void;
}

/**
 * A uPlot chart created once per mount; later data arrives through `handleRef.current.update`,
 * which calls uPlot's setData on the same instance.
 */
export function TimeChart({
  title,
  series,
  formatY,
  formatY2,
  floor = 1,
  floor2 = 1,
  handleRef,
  testId,
}: {
  title: string;
  series: ChartSeries[];
  formatY: (v: number) => string;
  formatY2?: (v: number) => string;
  /** The y axis reaches at least this value, so a flat-zero series still gets sensible ticks. */
  floor?: number;
  floor2?: number;
  handleRef: React.RefObject<ChartHandle | null>;
  testId: string;
}) {
  const box = useRef<HTMLDivElement | null>(null);
  const created = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: created once per mount on purpose
  useEffect(() => {
    let plot: uPlot | null = null;
    let ro: ResizeObserver | null = null;
    let cancelled = false;
    let pending: { data: uPlot.AlignedData; range: [number, number] } | null = null;
    handleRef.current = {
      update: (data, range) => {
        if (!plot) {
          pending = { data, range };
          return;
        }
        plot.batch(() => {
          plot?.setData(data, false);
          plot?.setScale("x", { min: range[0], max: range[1] });
        });
      },
    };
    void import("uplot").then(({ default: UPlot }) => {
      const el = box.current;
      if (cancelled || !el) return;
      const css = getComputedStyle(el);
      const color = (v: string) => css.getPropertyValue(v).trim() || "#888";
      const axisStroke = color("--muted");
      const grid = { stroke: color("--grid"), width: 1 };
      const opts: uPlot.Options = {
        width: Math.max(200, el.clientWidth),
        height: 180,
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(floor, max * 1.1)] } },
        axes: [
          { stroke: axisStroke, grid, ticks: grid },
          {
            stroke: axisStroke,
            grid,
            ticks: grid,
            size: 70,
            values: (_u, vals) => vals.map((v) => formatY(v)),
          },
          ...(formatY2
            ? [
                {
                  scale: "y2",
                  side: 1 as const,
                  stroke: axisStroke,
                  grid: { show: false },
                  size: 60,
                  values: (_u: uPlot, vals: number[]) => vals.map((v) => formatY2(v)),
                },
              ]
            : []),
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: color(s.colorVar),
            width: 1.5,
            scale: s.scale ?? "y",
            spanGaps: false,
            value: (_u: uPlot, v: number | null) =>
              v === null ? "–" : s.scale === "y2" && formatY2 ? formatY2(v) : formatY(v),
          })),
        ],
      };
      if (formatY2)
        opts.scales = { ...opts.scales, y2: { range: (_u, _min, max) => [0, Math.max(floor2, max * 1.1)] } };
      const empty: uPlot.AlignedData = [[], ...series.map(() => [])];
      plot = new UPlot(opts, empty, el);
      created.current++;
      el.dataset.created = String(created.current);
      ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(200, el.clientWidth), height: 180 }));
      ro.observe(el);
      if (pending) handleRef.current?.update(pending.data, pending.range);
    });
    return () => {
      cancelled = true;
      ro?.disconnect();
      plot?.destroy();
      plot = null;
      handleRef.current = null;
    };
  }, []);

  return (
    <figure className="chart card" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-box" />
    </figure>
  );
}
