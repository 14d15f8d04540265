import type { ReactNode } from "react";
import { formatAgo } from "../lib/format.ts";

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

export function OnlineBadge({ online }: { online: boolean }) {
  return (
    <span className={`state-badge ${online ? "st-running" : "st-exited"}`} data-testid="host-online">
      {online ? "online" : "offline"}
    </span>
  );
}
