import { z } from "zod";
import { ContainerId, EpochMs, Int32, Rfc3339Nano } from "./ids.ts";
import { LIMITS } from "./limits.ts";

/** The label that reserves disruptive actions to an ADMIN; how it is read: `isProtected` (protection.ts). */
export const PROTECTED_LABEL = "com.docker.dashboard.protected";
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";
export const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";

const Text = z.string().max(LIMITS.shortText);

export const ContainerState = z.enum([
  "created",
  "running",
  "paused",
  "restarting",
  "removing",
  "exited",
  "dead",
]);
export type ContainerState = z.infer<typeof ContainerState>;

export const HealthState = z.enum(["none", "starting", "healthy", "unhealthy"]);
export type HealthState = z.infer<typeof HealthState>;

/**
 * Labels arrive from containers we do not control, so keys are arbitrary strings.
 * They are rebuilt into a null-prototype object so that a key such as `__proto__`
 * stays data and can never reach Object.prototype.
 */
export const Labels = z
  .record(z.string().max(LIMITS.labelKeyChars), z.string().max(LIMITS.labelValueChars))
  .refine((labels) => Object.keys(labels).length <= LIMITS.labelsPerContainer, {
    message: `at most ${LIMITS.labelsPerContainer} labels`,
  })
  .transform((labels) => Object.assign(Object.create(null) as Record<string, string>, labels));
export type Labels = z.infer<typeof Labels>;

/**
 * One exposed port, or a range of consecutive ones (as `docker ps` shows them): with `privatePortEnd`
 * the entry stands for privatePort…privatePortEnd, and, when bound, publicPort onwards in step.
 */
export const Port = z.object({
  privatePort: z.number().int().min(0).max(65535),
  privatePortEnd: z.number().int().min(0).max(65535).optional(),
  publicPort: z.number().int().min(0).max(65535).nullable(),
  protocol: z.enum(["tcp", "udp", "sctp"]),
  ip: z.string().max(LIMITS.portIpChars).nullable(),
});
export type Port = z.infer<typeof Port>;

/**
 * How Docker keeps a container's output. With a driver Docker cannot read back (`none`; `gelf`,
 * `syslog`, `fluentd` and the like when dual logging's local cache is disabled) the Engine's logs
 * endpoint refuses, so the container's logs are not in Crowsnest: `unreadable` says why, in the
 * Engine's words, instead of the log view looking like a container that printed nothing.
 */
export const LogAccess = z.object({
  /** The logging driver, as in `docker inspect` (HostConfig.LogConfig.Type): `json-file`, `none`, `gelf`… */
  driver: Text,
  /** Why the Engine will not hand the logs back (its answer to a logs request); null when it does. */
  unreadable: Text.nullable(),
});
export type LogAccess = z.infer<typeof LogAccess>;

export const ContainerInfo = z.object({
  id: ContainerId,
  names: z.array(Text).max(LIMITS.namesPerContainer),
  image: Text,
  state: ContainerState,
  status: Text,
  created: EpochMs,
  startedAt: Rfc3339Nano.nullable(),
  finishedAt: Rfc3339Nano.nullable(),
  /** The last exit code: set while exited, dead or restarting (a crash loop's reason), else null. */
  exitCode: Int32.nullable(),
  restartCount: Int32.nonnegative(),
  /** Docker's State.OOMKilled: the last exit was the kernel's OOM killer; absent from older agents. */
  oomKilled: z.boolean().optional(),
  health: HealthState,
  labels: Labels,
  ports: z.array(Port).max(LIMITS.portsPerContainer),
  composeProject: Text.nullable(),
  composeService: Text.nullable(),
  tty: z.boolean(),
  /** What was cut to fit the protocol's limits, for the container page; absent when nothing was. */
  metadataNote: Text.optional(),
  /** Its logging driver and whether the Engine reads its logs back; absent from agents before this field. */
  logs: LogAccess.optional(),
});
export type ContainerInfo = z.infer<typeof ContainerInfo>;

export const ContainerEventAction = z.enum([
  "create",
  "start",
  "die",
  "stop",
  "kill",
  "pause",
  "unpause",
  "destroy",
  "rename",
  "health_status",
  "oom",
  "restart",
]);
export type ContainerEventAction = z.infer<typeof ContainerEventAction>;

export const ContainerEvent = z.object({
  containerId: ContainerId,
  action: ContainerEventAction,
  time: EpochMs,
  exitCode: Int32.nullable(),
  /** The container as inspected right after the event; null once it is gone (destroy). */
  container: ContainerInfo.nullable(),
});
export type ContainerEvent = z.infer<typeof ContainerEvent>;
