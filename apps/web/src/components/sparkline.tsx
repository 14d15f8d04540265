/** A tiny inline SVG trend line; values are drawn left (old) to right (new). */
export function Sparkline({
  values,
  max,
  label,
  testId,
}: {
  values: number[];
  max?: number;
  label: string;
  testId?: string;
}) {
  const w = 80;
  const h = 20;
  const top = Math.max(max ?? 0, ...values, 1e-9);
  const n = values.length;
  const points = values
    .map(
      (v, i) => `${n <= 1 ? w : ((i / (n - 1)) * w).toFixed(1)},${(h - (v / top) * (h - 2) - 1).toFixed(1)}`,
    )
    .join(" ");
  return (
    <svg
      className="spark"
      width={w}
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={label}
      data-testid={testId}
    >
      {n > 0 && <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />}
    </svg>
  );
}
