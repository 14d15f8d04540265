import type { Host } from "@crowsnest/protocol";
import { formatBytes, formatPercent } from "../lib/format.ts";
import { StaleNote } from "./states.tsx";

/**
 * A host's CPU and memory, summed over its running containers, each with its share of the host;
 * marked stale, with their time, while the agent is offline.
 */
export function HostUsage({ host }: { host: Host }) {
  const stale = host.figuresStale ? "stale" : undefined;
  const cpuShare = host.info && host.info.cpus > 0 ? host.cpuPercent / host.info.cpus : null;
  const memShare =
    host.info && host.info.memoryBytes > 0 ? (host.memUsedBytes / host.info.memoryBytes) * 100 : null;
  return (
    <>
      <dt>CPU</dt>
      <dd title="Sum of running containers; 100 % = one core" data-testid="host-cpu" className={stale}>
        {formatPercent(host.cpuPercent)}
        {cpuShare !== null && (
          <span className="muted">
            {" "}
            ({formatPercent(cpuShare)} of {host.info?.cpus} CPUs)
          </span>
        )}
      </dd>
      <dt>Memory</dt>
      <dd data-testid="host-memory" className={stale}>
        {formatBytes(host.memUsedBytes)}
        {memShare !== null && (
          <span className="muted">
            {" "}
            ({formatPercent(memShare)} of {formatBytes(host.info?.memoryBytes)})
          </span>
        )}
      </dd>
      {host.figuresStale && (
        <>
          <dt>Figures</dt>
          <dd>
            <StaleNote at={host.figuresAt} />
          </dd>
        </>
      )}
    </>
  );
}
