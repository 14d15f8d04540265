import { type Host, type HostState, hostStateOf } from "@crowsnest/protocol";
import { formatTime } from "../lib/format.ts";

const STATE_CLASS: Record<HostState, string> = {
  waiting: "st-paused",
  online: "st-running",
  offline: "st-exited",
  revoked: "st-dead",
  deleted: "",
};

/** A host's state in words, from its fields (so that a live online/lastSeen change shows at once). */
export function hostStateLabel(host: Pick<Host, "online" | "lastSeen" | "revokedAt" | "deletedAt">): string {
  const state = hostStateOf(host);
  if (state === "waiting") return "waiting for first connection";
  if (state === "offline" && host.lastSeen !== null) return `offline since ${formatTime(host.lastSeen)}`;
  return state;
}

/** The badge of a host's state: waiting for first connection, online, offline since …, revoked, deleted. */
export function HostStateBadge({
  host,
}: {
  host: Pick<Host, "online" | "lastSeen" | "revokedAt" | "deletedAt">;
}) {
  const state = hostStateOf(host);
  return (
    <span className={`state-badge ${STATE_CLASS[state]}`} data-testid="host-state" data-state={state}>
      {hostStateLabel(host)}
    </span>
  );
}
