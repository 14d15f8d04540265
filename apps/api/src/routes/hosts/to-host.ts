import { type AgentConflict, type Host, hostStateOf } from "@crowsnest/protocol";
import type { AppContext } from "../../context.ts";
import { zeroCounts } from "../../store/container-counts.ts";
import type { HostConflict, HostRecord, StoredContainer } from "../../store/store.ts";

/**
 * A conflict counts as going on while refusals keep coming: a refused agent retries with a backoff
 * capped at 30 s (plus jitter), so two minutes without one means the copy has stopped.
 */
const CONFLICT_ACTIVE_MS = 120_000;

/** The REST shape of a host: the stored record plus what only this process knows (online, latest samples). */
export function toHost(ctx: AppContext, record: HostRecord, containers: readonly StoredContainer[]): Host {
  const containerCounts = zeroCounts();
  let cpuPercent = 0;
  let memUsedBytes = 0;
  let figuresAt: number | null = null;
  for (const { info } of containers) {
    containerCounts[info.state]++;
    if (info.state !== "running") continue;
    const sample = ctx.latest.get(record.id, info.id);
    if (sample === null) continue;
    cpuPercent += sample.cpuPercent;
    memUsedBytes += sample.memUsedBytes;
    figuresAt = Math.max(figuresAt ?? 0, sample.t);
  }
  const online = ctx.agents.isOnline(record.id);
  return {
    id: record.id,
    name: record.name,
    state: hostStateOf({ ...record, online }),
    online,
    lastSeen: record.lastSeen,
    createdAt: record.createdAt,
    revokedAt: record.revokedAt,
    deletedAt: record.deletedAt,
    agentVersion: record.agentVersion,
    info: record.info,
    containerCounts,
    cpuPercent,
    memUsedBytes,
    figuresAt,
    figuresStale: !online,
    droppedBatches: record.droppedBatches,
    agentConflict: record.conflict === null ? null : toAgentConflict(record.conflict, Date.now()),
    clockOffsetMs: ctx.agents.clockOffsetMs(record.id),
  };
}

function toAgentConflict(conflict: HostConflict, now: number): AgentConflict {
  return { ...conflict, active: now - conflict.lastRefusedAt < CONFLICT_ACTIVE_MS };
}
