"use client";
import { useEffect, useRef } from "react";
import type uPlot from "uplot";
import { cssColor, onThemeChange } from "../lib/theme-colors.ts";

export interface ChartSeries {
  label: string;
  /** CSS variable holding the colour, e.g. "--c1". */
  colorVar: string;
  /** "y2": the right-hand axis. */
  scale?: "y" | "y2";
  /** Dashed (uPlot's dash pattern, px): the peak line drawn beside an average. */
  dash?: number[];
}

export interface ChartHandle {
  /** Pushes the current data into the existing chart (no re-creation). */
  update: (data: uPlot.AlignedData, range: [number, number]) => void;
}

export interface TimeChartProps {
  title: string;
  series: ChartSeries[];
  formatY: (v: number) => string;
  /** Formats the right-hand axis; without it there is none. */
  formatY2?: (v: number) => string;
  /** The y axis reaches at least this value, so a flat-zero series still gets sensible ticks. */
  floor?: number;
  floor2?: number;
  testId: string;
  /** Shown instead of the plot (which stays mounted) when the chart has no figures to show, and why. */
  note?: string;
}

const HEIGHT = 180;

/**
 * A uPlot chart created once per mount; later data arrives through `handleRef.current.update`,
 * which calls uPlot's setData on the same instance. Colours follow the theme without re-creating it.
 */
export function TimeChart({
  title,
  series,
  formatY,
  formatY2,
  floor = 1,
  floor2 = 1,
  testId,
  note,
  handleRef,
}: TimeChartProps & { handleRef: React.RefObject<ChartHandle | null> }) {
  const box = useRef<HTMLDivElement | null>(null);
  const created = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: created once per mount on purpose
  useEffect(() => {
    let plot: uPlot | null = null;
    let ro: ResizeObserver | null = null;
    let offTheme: (() => void) | null = null;
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
      // Resolved lazily and again after a theme change; uPlot asks for them at every draw.
      const palette = new Map<string, string>();
      const color = (v: string) => () => {
        let c = palette.get(v);
        if (c === undefined) {
          c = cssColor(el, v);
          palette.set(v, c);
        }
        return c;
      };
      const grid = { stroke: color("--grid"), width: 1 };
      const axis = (format: (v: number) => string) => ({
        stroke: color("--muted"),
        grid,
        ticks: grid,
        values: (_u: uPlot, vals: number[]) => vals.map(format),
      });
      const range =
        (min: number): uPlot.Range.Function =>
        (_u, _lo, hi) => [0, Math.max(min, hi * 1.1)];
      const opts: uPlot.Options = {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        legend: {
          show: true,
          live: true,
          // Legend markers are HTML: a CSS variable there follows theme changes by itself.
          markers: { stroke: (_u, i) => `var(${series[i - 1]?.colorVar ?? "--muted"})` },
        },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: range(floor) }, y2: { range: range(floor2) } },
        axes: [
          { stroke: color("--muted"), grid, ticks: grid },
          { ...axis(formatY), size: 70 },
          ...(formatY2
            ? [{ ...axis(formatY2), scale: "y2", side: 1 as const, grid: { show: false }, size: 60 }]
            : []),
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: color(s.colorVar),
            width: 1.5,
            ...(s.dash ? { dash: s.dash } : {}),
            scale: s.scale ?? "y",
            spanGaps: false,
            value: (_u: uPlot, v: number | null) =>
              v === null ? "–" : s.scale === "y2" && formatY2 ? formatY2(v) : formatY(v),
          })),
        ],
      };
      plot = new UPlot(opts, [[], ...series.map(() => [])], el);
      created.current++;
      el.dataset.created = String(created.current);
      ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
      ro.observe(el);
      offTheme = onThemeChange(() => {
        palette.clear();
        plot?.redraw(false, true);
      });
      if (pending) handleRef.current?.update(pending.data, pending.range);
    });
    return () => {
      cancelled = true;
      ro?.disconnect();
      offTheme?.();
      plot?.destroy();
      plot = null;
      handleRef.current = null;
    };
  }, []);

  return (
    <figure className="chart card" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {note !== undefined && (
        <p className="chart-note muted" data-testid={`${testId}-note`}>
          {note}
        </p>
      )}
      <div ref={box} className="chart-box" hidden={note !== undefined} />
    </figure>
  );
}
