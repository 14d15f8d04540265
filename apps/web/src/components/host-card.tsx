import type { Host } from "@crowsnest/protocol";
import Link from "next/link";
import { formatAgo } from "../lib/format.ts";
import { AgentConflictNote } from "./agent-conflict.tsx";
import { HostStateBadge } from "./host-state.tsx";
import { HostUsage } from "./host-usage.tsx";

/** A host on the fleet page: its state (waiting, online, offline since …, revoked), last seen, containers by state, CPU and memory. */
export function HostCard({ host, now }: { host: Host; now: number }) {
  const counts = Object.entries(host.containerCounts).filter(([, n]) => n > 0);
  return (
    <Link
      href={`/fleet/${encodeURIComponent(host.id)}`}
      className="card host-card"
      data-testid="host-card"
      data-host={host.name}
    >
      <div className="row spread">
        <strong>{host.name}</strong>
        <HostStateBadge host={host} />
      </div>
      <div className="muted small">last seen {formatAgo(host.lastSeen, now)}</div>
      <div className="counts" data-testid="host-counts">
        {counts.length === 0 ? (
          <span className="muted small">no containers</span>
        ) : (
          counts.map(([s, n]) => (
            <span key={s} className={`count st-${s}`}>
              {n} {s}
            </span>
          ))
        )}
      </div>
      <dl className="kv small">
        <HostUsage host={host} />
      </dl>
      {host.droppedBatches > 0 && (
        <div className="small warn">agent dropped {host.droppedBatches} batches</div>
      )}
      <AgentConflictNote conflict={host.agentConflict} now={now} />
    </Link>
  );
}
