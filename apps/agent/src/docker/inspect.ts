import {
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  type ContainerInfo,
  type ContainerState,
  ContainerState as ContainerStateSchema,
  capContainerInfo,
  type HealthState,
  type Port,
} from "@crowsnest/protocol/agent";
import type { DockerInspect } from "./answers.ts";

/** Docker's zero time means "never"; it must not reach the dashboard as year 1. */
const ZERO_TIME = /^0001-01-01T/;
const NANO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * The container as the server receives it, already within the protocol's limits
 * (`capContainerInfo`: long texts cut with a marker, surplus labels and ports left out, the
 * protected label kept, consecutive ports summarised as ranges, what was cut in `metadataNote`).
 * `logsUnreadable`: the Engine's answer when it refused to read this container's logs, else null.
 */
export function toContainerInfo(raw: DockerInspect, logsUnreadable: string | null = null): ContainerInfo {
  const state = parseState(raw.State.Status);
  const labels = Object.assign(Object.create(null) as Record<string, string>, raw.Config.Labels ?? {});
  // A restarting container keeps its last exit code: the reason of a crash loop.
  const exited = state === "exited" || state === "dead" || state === "restarting";
  const health = parseHealth(raw.State.Health?.Status);
  return capContainerInfo({
    id: raw.Id,
    names: [raw.Name.replace(/^\//, "")],
    image: raw.Config.Image,
    state,
    status: describeStatus(state, raw.State.ExitCode, health),
    created: Math.max(0, Date.parse(raw.Created) || 0),
    startedAt: dockerTime(raw.State.StartedAt),
    finishedAt: dockerTime(raw.State.FinishedAt),
    exitCode: exited ? raw.State.ExitCode : null,
    restartCount: raw.RestartCount,
    oomKilled: raw.State.OOMKilled,
    health,
    labels,
    ports: toPorts(raw.NetworkSettings?.Ports ?? {}),
    composeProject: labels[COMPOSE_PROJECT_LABEL] ?? null,
    composeService: labels[COMPOSE_SERVICE_LABEL] ?? null,
    tty: raw.Config.Tty,
    logs: { driver: logDriver(raw), unreadable: logsUnreadable },
  });
}

/**
 * Whether the container shares the host's network namespace (`docker run --network host`): it has
 * no interfaces of its own, so no per-container network figure exists (`docker stats` shows 0 B).
 */
export function hasHostNetwork(raw: DockerInspect): boolean {
  return raw.HostConfig?.NetworkMode === "host";
}

/** The container's logging driver as `docker inspect` names it (`unknown` if an Engine names none). */
export function logDriver(raw: DockerInspect): string {
  return raw.HostConfig?.LogConfig?.Type || "unknown";
}

function parseState(status: string): ContainerState {
  const parsed = ContainerStateSchema.safeParse(status);
  return parsed.success ? parsed.data : "dead";
}

function parseHealth(status: string | undefined): HealthState {
  if (status === "starting" || status === "healthy" || status === "unhealthy") return status;
  return "none";
}

function describeStatus(state: ContainerState, exitCode: number, health: HealthState): string {
  const suffix = health === "none" ? "" : ` (${health})`;
  switch (state) {
    case "running":
      return `Up${suffix}`;
    case "paused":
      return "Up (Paused)";
    case "exited":
      return `Exited (${exitCode})`;
    default:
      return state[0]?.toUpperCase() + state.slice(1);
  }
}

function dockerTime(value: string): string | null {
  if (value === "" || ZERO_TIME.test(value) || !NANO_TIME.test(value)) return null;
  return value;
}

function toPorts(ports: Record<string, { HostIp: string; HostPort: string }[] | null>): Port[] {
  const out: Port[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const [portText, proto] = key.split("/");
    const privatePort = Number(portText);
    if (!Number.isInteger(privatePort) || (proto !== "tcp" && proto !== "udp" && proto !== "sctp")) continue;
    if (bindings === null || bindings.length === 0) {
      out.push({ privatePort, publicPort: null, protocol: proto, ip: null });
      continue;
    }
    for (const binding of bindings) {
      const publicPort = Number(binding.HostPort);
      out.push({
        privatePort,
        publicPort: Number.isInteger(publicPort) && binding.HostPort !== "" ? publicPort : null,
        protocol: proto,
        ip: binding.HostIp === "" ? null : binding.HostIp,
      });
    }
  }
  return out;
}
