import { type ContainerView, protectingLabels, writtenLabelText } from "@crowsnest/protocol";
import { formatBytes, formatPercent, formatTime, uptime } from "../lib/format.ts";
import { StaleNote } from "./states.tsx";

/** `ip:8080→80/tcp`, or for a range of consecutive ports `ip:10000-10004→10000-10004/udp`. */
function portText(p: ContainerView["ports"][number]): string {
  const span = (first: number) =>
    p.privatePortEnd === undefined ? `${first}` : `${first}-${first + p.privatePortEnd - p.privatePort}`;
  return p.publicPort
    ? `${p.ip ?? ""}:${span(p.publicPort)}→${span(p.privatePort)}/${p.protocol}`
    : `${span(p.privatePort)}/${p.protocol}`;
}

/**
 * What Docker says about a container, its latest usage (marked stale while the agent is offline;
 * left out when it is not running, since a stopped container's last sample is not its usage), and
 * its labels.
 */
export function ContainerDetails({ c, now }: { c: ContainerView; now: number }) {
  const current = (c.state === "running" || c.state === "paused") && c.removedAt === null;
  const labels = Object.entries(c.labels).sort(([a], [b]) => a.localeCompare(b));
  const protecting = protectingLabels(c.labels);
  const protects = new Set(protecting.map((l) => l.key));
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
        <dd data-testid="exit-code">
          {c.exitCode ?? "–"}
          {c.oomKilled && (
            <span className="warn" data-testid="oom-killed">
              {" "}
              OOM-killed
            </span>
          )}
        </dd>
        <dt>Restarts</dt>
        <dd data-testid="restarts">{c.restartCount}</dd>
        <dt>Health</dt>
        <dd data-testid="health">{c.health}</dd>
        {c.logs !== undefined && (
          <>
            <dt>Log driver</dt>
            <dd className="mono" data-testid="log-driver">
              {c.logs.driver}
            </dd>
          </>
        )}
        <dt>Ports</dt>
        <dd>{c.ports.length === 0 ? "none" : c.ports.map(portText).join(", ")}</dd>
        {c.metadataNote !== undefined && (
          <>
            <dt>Metadata</dt>
            <dd className="warn" data-testid="metadata-note">
              {c.metadataNote}
            </dd>
          </>
        )}
        {protecting.length > 0 && (
          <>
            <dt>Protected</dt>
            <dd data-testid="protected-by">
              by <code className="mono">{protecting.map(writtenLabelText).join(", ")}</code>: only an ADMIN
              can stop, restart, kill or pause it
            </dd>
          </>
        )}
        {c.latest && !current && (
          <>
            <dt>Figures</dt>
            <dd className="muted" data-testid="figures-not-running">
              not running: no current CPU, memory or PIDs (the last sample was taken {formatTime(c.latest.t)})
            </dd>
          </>
        )}
        {c.latest && current && (
          <>
            {c.latestStale && (
              <>
                <dt>Figures</dt>
                <dd>
                  <StaleNote at={c.latest.t} />
                </dd>
              </>
            )}
            <dt>CPU</dt>
            <dd className={c.latestStale ? "stale" : undefined} data-testid="container-cpu">
              {formatPercent(c.latest.cpuPercent)}{" "}
              <span className="muted">(docker stats: 100 % = one core)</span> ·{" "}
              {formatPercent(c.latest.cpuPercent / c.latest.onlineCpus)}{" "}
              <span className="muted">of the host ({c.latest.onlineCpus} CPUs)</span>
            </dd>
            <dt>Memory</dt>
            <dd className={c.latestStale ? "stale" : undefined} data-testid="container-memory">
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
            <dt>Network</dt>
            <dd className={c.latestStale ? "stale" : undefined} data-testid="container-network">
              {c.latest.netRxBytes === null || c.latest.netTxBytes === null ? (
                <span className="muted">host network: no per-container figure</span>
              ) : (
                <>
                  {formatBytes(c.latest.netRxBytes)} received · {formatBytes(c.latest.netTxBytes)} sent{" "}
                  <span className="muted">since it started</span>
                </>
              )}
            </dd>
          </>
        )}
      </dl>
      <details open={labels.length <= 8}>
        <summary>Labels ({labels.length})</summary>
        {labels.length === 0 ? (
          <p className="muted">No labels.</p>
        ) : (
          <dl className="kv labels" data-testid="labels">
            {labels.map(([k, v]) => (
              <div key={k} className="kv-pair">
                <dt className="mono">
                  {k}
                  {protects.has(k) && (
                    <>
                      {" "}
                      <span className="badge badge-protected" data-testid="label-protects">
                        protects
                      </span>
                    </>
                  )}
                </dt>
                <dd className="mono">{v}</dd>
              </div>
            ))}
          </dl>
        )}
      </details>
    </section>
  );
}
