import type { AgentConflict } from "@crowsnest/protocol";
import { formatAgo } from "../lib/format.ts";

/**
 * Says that a second agent was refused on a host's credential (a cloned machine or a copied state
 * directory), while it goes on or when it last happened; nothing when there never was one.
 */
export function AgentConflictNote({ conflict, now }: { conflict: AgentConflict | null; now: number }) {
  if (conflict === null) return null;
  const { refusedConnections, refusedHost, lastRefusedAt, active } = conflict;
  return (
    <div className={`small ${active ? "warn" : "muted"}`} data-testid="agent-conflict" role="status">
      {active ? "Two agents use this host's credential" : "A second agent used this host's credential"}: one
      on {refusedHost.hostname} was refused {refusedConnections}× (last {formatAgo(lastRefusedAt, now)}).
      {active && " Stop the copy, or enrol it as a host of its own."}
    </div>
  );
}
