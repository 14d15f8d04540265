export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatPercent(p: number | null | undefined, digits = 1): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "–";
  return `${p.toFixed(digits)} %`;
}

export function formatAgo(t: number | null | undefined, now: number = Date.now()): string {
  if (t === null || t === undefined) return "never";
  return `${formatDuration(Math.max(0, now - t))} ago`;
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatTime(t: number): string {
  return new Date(t).toLocaleString();
}

export function containerName(c: { names: string[]; id: string }): string {
  const n = c.names[0];
  return n ? n.replace(/^\//, "") : c.id.slice(0, 12);
}

/**
 * How long a running container has been up. Never negative: right after a start the Engine's
 * StartedAt can be ahead of this browser's clock (another host's clock, or the ticking `now` not yet
 * caught up), and "0s" is what that means.
 */
export function uptime(startedAt: string | null, state: string, now: number = Date.now()): string {
  if (state !== "running" || !startedAt) return "–";
  const t = Date.parse(startedAt);
  return Number.isFinite(t) ? formatDuration(Math.max(0, now - t)) : "–";
}

/** The browser tab's title: the most specific name first, e.g. `billing-sync · edge-03 · Crowsnest`. */
export function pageTitle(...names: (string | null | undefined)[]): string {
  return [...names.filter((n): n is string => Boolean(n)), "Crowsnest"].join(" · ");
}
