/** A dependency-free SVG line chart: enough for CPU against container count and latency CDFs. */

export interface Point {
  x: number;
  y: number;
  /** The spread of y over runs, drawn as an error bar. */
  lo?: number;
  hi?: number;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  /** Markers on the points (measured values) rather than a bare line (a distribution). */
  markers?: boolean;
  series: { name: string; points: Point[] }[];
}

const WIDTH = 860;
const HEIGHT = 480;
const PAD = { left: 80, right: 270, top: 50, bottom: 60 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

function niceTicks(min: number, max: number, count = 6): number[] {
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const unit = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= count) ?? step * 10;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / unit) * unit; v <= max + unit / 1e6; v += unit)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function svgChart(spec: ChartSpec): string {
  const points = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y));
  const xs = points.map((p) => p.x).filter((x) => !spec.xLog || x > 0);
  const ys = points.flatMap((p) => [p.y, p.hi ?? p.y]);
  const fx = spec.xLog ? (x: number) => Math.log10(Math.max(x, 1e-3)) : (x: number) => x;
  const xMin = spec.xLog ? Math.floor(fx(Math.min(...xs))) : Math.min(0, ...xs);
  const xMax = spec.xLog ? Math.ceil(fx(Math.max(...xs))) : Math.max(...xs);
  const yMax = Math.max(...ys) * 1.08 || 1;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const px = (x: number) => PAD.left + ((fx(x) - xMin) / (xMax - xMin || 1)) * plotW;
  const py = (y: number) => PAD.top + plotH - (y / yMax) * plotH;
  const xTicks = spec.xLog
    ? Array.from({ length: xMax - xMin + 1 }, (_, i) => 10 ** (xMin + i))
    : niceTicks(xMin, xMax);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2 - PAD.right / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  for (const t of niceTicks(0, yMax)) {
    parts.push(
      `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${py(t)}" y2="${py(t)}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 8}" y="${py(t) + 4}" text-anchor="end">${t}</text>`,
    );
  }
  for (const t of xTicks) {
    parts.push(
      `<line x1="${px(t)}" x2="${px(t)}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#f0f0f0"/>`,
      `<text x="${px(t)}" y="${PAD.top + plotH + 20}" text-anchor="middle">${t}</text>`,
    );
  }
  parts.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 15}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(20 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  spec.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const shown = series.points.filter((p) => Number.isFinite(p.y) && (!spec.xLog || p.x > 0));
    const path = shown
      .map((p, j) => `${j === 0 ? "M" : "L"}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
      .join("");
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of spec.markers ? shown : []) {
      parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="4" fill="${colour}"/>`);
      if (p.lo !== undefined && p.hi !== undefined) {
        parts.push(
          `<line x1="${px(p.x)}" x2="${px(p.x)}" y1="${py(p.lo)}" y2="${py(p.hi)}" stroke="${colour}" stroke-width="1.5"/>`,
        );
      }
    }
    const ly = PAD.top + 10 + i * 22;
    parts.push(
      `<line x1="${WIDTH - PAD.right + 15}" x2="${WIDTH - PAD.right + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${WIDTH - PAD.right + 46}" y="${ly + 4}">${escapeXml(series.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** Empirical CDF points of a sample of values (at most ~200, enough for a smooth curve). */
export function cdfPoints(values: number[]): Point[] {
  const sorted = [...values].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(sorted.length / 200));
  const points: Point[] = [];
  for (let i = 0; i < sorted.length; i += step)
    points.push({ x: sorted[i] as number, y: (100 * (i + 1)) / sorted.length });
  if (sorted.length > 0) points.push({ x: sorted.at(-1) as number, y: 100 });
  return points;
}
