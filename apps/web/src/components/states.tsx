import type { ContainerView } from "@crowsnest/protocol";
import type { ReactNode } from "react";
import { formatAgo, formatTime } from "../lib/format.ts";
import { exitText } from "../lib/log-layout.ts";

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" data-testid="state-loading">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: string; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert" data-testid="state-error">
      <span>{error}</span>
      {onRetry && (
        <button type="button" onClick={onRetry} data-testid="retry">
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="state state-empty" data-testid="state-empty">
      {children}
    </div>
  );
}

export function OfflineBanner({ lastSeen, now }: { lastSeen: number | null; now: number }) {
  return (
    <div className="banner banner-warn" role="status" data-testid="agent-offline">
      Agent offline — last seen {formatAgo(lastSeen, now)}. What you see is the last known state; actions are
      unavailable until the agent reconnects.
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  return (
    <span className={`state-badge st-${state}`} data-testid="container-state">
      {state}
    </span>
  );
}

export function ProtectedBadge() {
  return (
    <span
      className="badge badge-protected"
      title="Labelled com.docker.dashboard.protected: only an ADMIN can stop, restart, kill or pause it"
      data-testid="protected-badge"
    >
      protected
    </span>
  );
}

/**
 * In place of the log view, for a container whose logging driver Docker cannot read back: says so
 * and why, in the Engine's words, so that it is not taken for a container that printed nothing.
 */
export function LogsUnreadable({ driver, reason }: { driver: string; reason: string }) {
  return (
    <section className="card" aria-label="Logs" data-testid="logs-unreadable">
      <h2>Logs</h2>
      <p className="banner banner-warn" role="status">
        Crowsnest cannot show this container&apos;s logs: its logging driver is <code>{driver}</code>, and the
        Docker Engine will not read them back (&ldquo;{reason}&rdquo;). Read them where that driver sends
        them. Metrics and actions work as usual.
      </p>
    </section>
  );
}

/**
 * Marks figures that are no longer current because the host's agent is offline: they are the
 * last it sent, at `at`. Figures shown without this mark are live.
 */
export function StaleNote({ at }: { at: number | null }) {
  return (
    <span className="stale-note small" data-testid="stale-figures" data-at={at ?? ""}>
      stale: {at === null ? "no figures since the agent went offline" : `as of ${formatTime(at)}`}
    </span>
  );
}

/** A container's figure in a table cell: dimmed and marked with its time when its sample is stale. */
export function StaleFigures({ c, children }: { c: ContainerView; children: ReactNode }) {
  const stale = c.latestStale && c.latest !== null;
  return (
    <div className={stale ? "stale" : undefined}>
      {children}
      {stale && (
        <div>
          <StaleNote at={c.latest?.t ?? null} />
        </div>
      )}
    </div>
  );
}

/**
 * Why a container is down or crash-looping, where the fleet list, the host page and the container
 * page show its state: the last exit code, the restart count and "OOM-killed" where Docker says so.
 * Nothing for a container that never exited nor restarted.
 */
export function ExitSummary({ c }: { c: ContainerView }) {
  const exited = c.exitCode !== null || c.oomKilled === true;
  if (!exited && c.restartCount === 0) return null;
  return (
    <div
      className="small exit-summary"
      data-testid="exit-summary"
      data-exit-code={c.exitCode ?? ""}
      data-restarts={c.restartCount}
      data-oom={c.oomKilled ? "1" : "0"}
    >
      {exited && (
        <span className={c.exitCode === 0 && !c.oomKilled ? "muted" : "warn"}>
          {exitText(c.exitCode, c.oomKilled === true)}
        </span>
      )}
      {exited && c.restartCount > 0 && " · "}
      {c.restartCount > 0 && (
        <span className="muted">
          {c.restartCount} restart{c.restartCount === 1 ? "" : "s"}
        </span>
      )}
    </div>
  );
}

/** On a removed container's page: its record, logs and metrics are what was stored before. */
export function RemovedBanner({ at }: { at: number }) {
  return (
    <div className="banner banner-warn" role="status" data-testid="container-removed" data-at={at}>
      Removed at {formatTime(at)}. What you see is its last known state and the logs and metrics stored
      before; no action applies any more.
    </div>
  );
}
