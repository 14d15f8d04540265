import type { Host } from "@crowsnest/protocol";
import { formatBytes, formatPercent } from "../lib/format.ts";

/** A host's CPU and memory, summed over its running containers, each with its share of the host. */
export function HostUsage({ host }: { host: Host }) {
  const cpuShare = host.info && host.info.cpus > 0 ? host.cpuPercent / host.info.cpus : null;
  const memShare =
    host.info && host.info.memoryBytes > 0 ? (host.memUsedBytes / host.info.memoryBytes) * 100 : null;
  return (
    <>
      <dt>CPU</dt>
      <dd title="Sum of running containers; 100 % = one core" data-testid="host-cpu">
        {formatPercent(host.cpuPercent)}
        {cpuShare !== null && (
          <span className="muted">
            {" "}
            ({formatPercent(cpuShare)} of {host.info?.cpus} CPUs)
          </span>
        )}
      </dd>
      <dt>Memory</dt>
      <dd data-testid="host-memory">
        {formatBytes(host.memUsedBytes)}
        {memShare !== null && (
          <span className="muted">
            {" "}
            ({formatPercent(memShare)} of {formatBytes(host.info?.memoryBytes)})
          </span>
        )}
      </dd>
    </>
  );
}
