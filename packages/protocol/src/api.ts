/**
 * Shapes of the REST API's responses and request bodies, shared by the server (which
 * validates what it receives) and the dashboard (which reads what it gets).
 */
import { z } from "zod";
import { ActionOptions, CommandOutcome, ContainerAction, OPTIONS_OF_ACTION } from "./commands.ts";
import { ContainerEventAction, ContainerInfo, ContainerState } from "./container.ts";
import { HostInfo } from "./host.ts";
import { AgentUrl, AgentUrlWarning, HostState } from "./host-lifecycle.ts";
import { Role } from "./http.ts";
import { EpochMs, HostId, Rfc3339Nano } from "./ids.ts";
import { LogLine, MetricSample } from "./telemetry.ts";

export const ContainerCounts = z.record(ContainerState, z.number().int().nonnegative());
export type ContainerCounts = z.infer<typeof ContainerCounts>;

/**
 * A second agent was refused on this host's credential while another, with another incarnation,
 * was live: a cloned VM or a copied state directory. The host's data comes from the agent that
 * stayed; the admin removes the copy or enrols it as a host of its own.
 */
export const AgentConflict = z.object({
  /** When the last second agent was refused. */
  lastRefusedAt: EpochMs,
  /** Connections refused so far. */
  refusedConnections: z.number().int().positive(),
  /** The refused agent's host info, from its `hello` (a clone often shares the hostname). */
  refusedHost: HostInfo,
  /** The refusals go on (the last was under two minutes ago, and a refused agent retries at least every 30 s). */
  active: z.boolean(),
});
export type AgentConflict = z.infer<typeof AgentConflict>;

export const Host = z.object({
  id: HostId,
  name: z.string(),
  /** waiting (never connected), online, offline (since `lastSeen`), revoked, deleted (data kept): `hostStateOf`. */
  state: HostState,
  online: z.boolean(),
  lastSeen: EpochMs.nullable(),
  createdAt: EpochMs,
  /** When its credential was revoked (state `revoked`), or null. */
  revokedAt: EpochMs.nullable(),
  /** When it was deleted with its data kept (state `deleted`), or null. */
  deletedAt: EpochMs.nullable(),
  agentVersion: z.string().nullable(),
  info: HostInfo.nullable(),
  containerCounts: ContainerCounts,
  /** Sum over the host's running containers of their latest samples. */
  cpuPercent: z.number().nonnegative(),
  memUsedBytes: z.number().nonnegative(),
  /** Time of the newest sample in cpuPercent and memUsedBytes; null when there is none. */
  figuresAt: EpochMs.nullable(),
  /** The agent is offline: cpuPercent and memUsedBytes are the last it sent (at figuresAt), not current. */
  figuresStale: z.boolean(),
  /** The outbox of this host's agent overflowed: batches it dropped, reported by the agent. */
  droppedBatches: z.number().int().nonnegative(),
  /** Two agents on this host's credential, or null. */
  agentConflict: AgentConflict.nullable(),
  /**
   * The connected agent's clock minus the server's, in ms, measured on its heartbeats (NTP's way);
   * null while offline or unknown (an agent older than the clock probes). Its samples are already
   * placed on the server's time line; past CLOCK_WARNING_MS the host page says the clock is off.
   */
  clockOffsetMs: z.number().int().nullable(),
});
export type Host = z.infer<typeof Host>;

/** How far off an agent's clock may be before the host page says so (a few seconds: NTP keeps far closer). */
export const CLOCK_WARNING_MS = 5_000;

export const ContainerView = ContainerInfo.extend({
  hostId: HostId,
  protected: z.boolean(),
  latest: MetricSample.nullable(),
  /** The host's agent is offline: `latest` is the last sample it sent (taken at `latest.t`), not a current one. */
  latestStale: z.boolean(),
  /**
   * When Docker removed the container (epoch ms), or null while it exists. A removed container's
   * last known record, logs, metrics and events stay readable until retention.
   */
  removedAt: EpochMs.nullable(),
});
export type ContainerView = z.infer<typeof ContainerView>;

/** One stored lifecycle event of a container (`die` carries the exit code and whether the OOM killer did it). */
export const ContainerEventRecord = z.object({
  time: EpochMs,
  action: ContainerEventAction,
  exitCode: z.number().int().nullable(),
  oomKilled: z.boolean(),
});
export type ContainerEventRecord = z.infer<typeof ContainerEventRecord>;

/** GET …/containers/:containerId/events: oldest first, the newest `limit` in the range. */
export const ContainerEventsResponse = z.object({ events: z.array(ContainerEventRecord) });
export type ContainerEventsResponse = z.infer<typeof ContainerEventsResponse>;

/**
 * The events the log view marks as a divider between boots: each `die`, with its exit code and
 * time. A shared rule, so that the API's docs and the dashboard mean the same thing by "restart".
 */
export function isBootBoundary(event: Pick<ContainerEventRecord, "action">): boolean {
  return event.action === "die";
}

/** Docker's stop timeout when neither the action nor the container sets one: SIGTERM, then SIGKILL after it. */
export const DOCKER_DEFAULT_STOP_TIMEOUT_SECONDS = 10;

/**
 * One point of a container's metric history. A raw sample is a point whose average, minimum and
 * maximum are its value; a one-minute rollup or a bucket of a downsampled range (see
 * MetricsResponse) has the average of its samples and their extremes, so a spike or a dip shorter
 * than the point's span still shows.
 */
export const MetricPoint = z.object({
  /** Start of the point's span (a raw sample's own time), ms since the epoch. */
  t: EpochMs,
  cpuPercent: z.number(),
  /** Added with downsampled history: the lowest cpuPercent of the span. */
  cpuPercentMin: z.number(),
  cpuPercentMax: z.number(),
  memUsedBytes: z.number(),
  /** Added with downsampled history: the lowest memUsedBytes of the span. */
  memUsedBytesMin: z.number(),
  memUsedBytesMax: z.number(),
  memLimitBytes: z.number(),
  /** Cumulative counters at the end of the span; null for a container on the host's network (see MetricSample). */
  netRxBytes: z.number().nullable(),
  netTxBytes: z.number().nullable(),
  blkReadBytes: z.number(),
  blkWriteBytes: z.number(),
  pids: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

/** About how many points a metrics response holds at most: what a chart a few thousand pixels wide can show. */
export const METRIC_POINTS_TARGET = 2_000;

export const MetricsResponse = z.object({
  /**
   * raw: every sample the agent sent; 1m: one-minute rollups (avg, and min/max where named);
   * buckets: either, merged into `bucketMs`-wide buckets (avg, min, max; counters at the bucket's
   * end) because the range held more than METRIC_POINTS_TARGET points.
   */
  resolution: z.enum(["raw", "1m", "buckets"]),
  /** Width of a point's span in ms for `buckets`; null otherwise. */
  bucketMs: z.number().int().positive().nullable(),
  from: EpochMs,
  to: EpochMs,
  points: z.array(MetricPoint),
});
export type MetricsResponse = z.infer<typeof MetricsResponse>;

export const StoredLogLine = LogLine.extend({
  id: z.string(),
  /**
   * `ts` (Docker's time, from the Engine host's clock) on the server's time line: corrected by the
   * agent's clock offset measured when the line arrived (the agent shares the Engine's host and so
   * its clock), for ordering lines across hosts. Lines stored before the correction existed: `ts`.
   */
  serverTs: Rfc3339Nano,
});
export type StoredLogLine = z.infer<typeof StoredLogLine>;

export const LogsResponse = z.object({
  /** Oldest first; the newest `limit` lines that match. */
  lines: z.array(StoredLogLine),
  /** Pass as `cursor` to get the matching lines just older than these; null when there are none. */
  nextCursor: z.string().nullable(),
  /**
   * Set when a scan (`match=substring`) stopped at its limit before the range's start: the lines it
   * read. `nextCursor` then continues the scan from the oldest of them.
   */
  scanned: z.number().int().nonnegative().nullable().optional(),
});
export type LogsResponse = z.infer<typeof LogsResponse>;

export const User = z.object({
  id: z.string(),
  username: z.string(),
  role: Role,
  disabled: z.boolean(),
  createdAt: EpochMs,
});
export type User = z.infer<typeof User>;

export const Me = z.object({ id: z.string(), username: z.string(), role: Role });
export type Me = z.infer<typeof Me>;

export const Username = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, "1-64 of letters, digits, _ . -");
export const Password = z.string().min(10, "at least 10 characters").max(1_024);

export const LoginRequest = z
  .object({ username: z.string().max(64), password: z.string().max(1_024) })
  .strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const CreateUserRequest = z.object({ username: Username, password: Password, role: Role }).strict();
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;

export const UpdateUserRequest = z
  .object({ role: Role.optional(), disabled: z.boolean().optional(), password: Password.optional() })
  .strict();
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

/** `agentUrl`: where this host's agent dials, for this command only; by default the AgentUrlSetting. */
export const EnrolHostRequest = z
  .object({ name: z.string().trim().min(1).max(128), agentUrl: AgentUrl.optional() })
  .strict();
export type EnrolHostRequest = z.infer<typeof EnrolHostRequest>;

/** POST /api/hosts/:hostId/enrolment-token: a new token for a host whose agent has not connected. */
export const ReissueEnrolmentRequest = z.object({ agentUrl: AgentUrl.optional() }).strict();
export type ReissueEnrolmentRequest = z.infer<typeof ReissueEnrolmentRequest>;

/**
 * The ways to run a host's agent, each with the server URL and the token filled in: `npm` in a
 * checkout of Crowsnest, `docker` one `docker run` of the agent image, `compose` a compose file,
 * `systemd` the install script that writes the unit and its environment file.
 */
export const AgentRunWays = z.object({
  npm: z.string(),
  docker: z.string(),
  compose: z.string(),
  systemd: z.string(),
});
export type AgentRunWays = z.infer<typeof AgentRunWays>;

/** The run ways in the order the enrolment page shows them as tabs and the CLI prints them, with their titles. */
export const AGENT_RUN_WAY_TITLES: Readonly<Record<keyof AgentRunWays, string>> = {
  docker: "docker run",
  compose: "compose",
  systemd: "systemd",
  npm: "npm (a checkout)",
};

export const EnrolmentResponse = z.object({
  host: Host,
  /** Shown once: the server keeps only its hash. */
  enrolmentToken: z.string(),
  expiresAt: EpochMs,
  /** The URL in the command: where the agent will dial. */
  agentUrl: AgentUrl,
  /** The command in a checkout of Crowsnest: `runWays.npm`, kept for existing clients. */
  agentCommand: z.string(),
  runWays: AgentRunWays,
  /** What is wrong with `agentUrl` for an agent on another machine (agentUrlWarnings); empty when nothing. */
  warnings: z.array(AgentUrlWarning),
});
export type EnrolmentResponse = z.infer<typeof EnrolmentResponse>;

/**
 * Where new agents are told to dial, and why: `saved` (an admin chose it), `public-url`
 * (CROWSNEST_PUBLIC_URL's), `request` (the address this browser used, a guess).
 */
export const AgentUrlSource = z.enum(["saved", "public-url", "request"]);
export type AgentUrlSource = z.infer<typeof AgentUrlSource>;

/** GET/PUT /api/settings/agent-url. */
export const AgentUrlSetting = z.object({
  agentUrl: AgentUrl,
  source: AgentUrlSource,
  warnings: z.array(AgentUrlWarning),
});
export type AgentUrlSetting = z.infer<typeof AgentUrlSetting>;

/** PUT /api/settings/agent-url: remember this URL as the default, or (null) forget it. */
export const UpdateAgentUrlSetting = z.object({ agentUrl: AgentUrl.nullable() }).strict();
export type UpdateAgentUrlSetting = z.infer<typeof UpdateAgentUrlSetting>;

/** DELETE /api/hosts/:hostId?data=: `delete` its containers, metrics and logs too, or `keep` them readable. */
export const DeleteHostQuery = z.object({ data: z.enum(["delete", "keep"]) }).strict();
export type DeleteHostQuery = z.infer<typeof DeleteHostQuery>;

/** GET /api/hosts?include=deleted lists the hosts deleted with their data kept as well. */
export const ListHostsQuery = z.object({ include: z.literal("deleted").optional() }).strict();
export type ListHostsQuery = z.infer<typeof ListHostsQuery>;

/** POST /api/hosts/:hostId/rotate: the agent gets its new credential on its next connection. */
export const CredentialRotationResponse = z.object({
  hostId: HostId,
  /** The agent was connected and has been told to reconnect, so the rotation completes within seconds. */
  agentWasOnline: z.boolean(),
});
export type CredentialRotationResponse = z.infer<typeof CredentialRotationResponse>;

export const ActionRequest = z
  .object({ action: ContainerAction, options: ActionOptions.default({}) })
  .strict()
  .superRefine((request, ctx) => {
    const allowed: readonly string[] = OPTIONS_OF_ACTION[request.action];
    for (const key of Object.keys(request.options)) {
      if (allowed.includes(key)) continue;
      ctx.addIssue({
        code: "custom",
        path: ["options", key],
        message: `does not apply to ${request.action}`,
      });
    }
  });
export type ActionRequest = z.infer<typeof ActionRequest>;

export const ActionResponse = z.object({ outcome: CommandOutcome });
export type ActionResponse = z.infer<typeof ActionResponse>;

export const AuditResult = z.enum(["allowed", "denied", "succeeded", "failed"]);
export type AuditResult = z.infer<typeof AuditResult>;

/** What an audit entry is about: a container action, account management, a host's identity, a sign-in. */
export const AuditCategory = z.enum(["container", "user", "host", "session"]);
export type AuditCategory = z.infer<typeof AuditCategory>;

/** Account management: by an ADMIN in the dashboard or from the CLI (`unlock` is the CLI's alone). */
export const UserAuditAction = z.enum(["user.create", "user.update", "user.delete", "user.unlock"]);
export type UserAuditAction = z.infer<typeof UserAuditAction>;

/**
 * Hosts' identities: `enrol` issues a single-use token, `add` (CLI) a long-lived credential at once,
 * `reissue` a new token for a host not yet connected, `delete` removes a host, `agent_url` sets the
 * URL new agents are told to dial.
 */
export const HostAuditAction = z.enum([
  "host.enrol",
  "host.add",
  "host.revoke",
  "host.rotate",
  "host.reissue",
  "host.delete",
  "host.agent_url",
]);
export type HostAuditAction = z.infer<typeof HostAuditAction>;

/**
 * Sign-ins and sign-outs: `locked_out` is a login the throttle refused (429) without checking the
 * password; `logout` ends one session, `logout_everywhere` every session of the user.
 */
export const SessionAuditAction = z.enum([
  "session.login",
  "session.login_failed",
  "session.locked_out",
  "session.logout",
  "session.logout_everywhere",
]);
export type SessionAuditAction = z.infer<typeof SessionAuditAction>;

/** The actions of each category; a container action is the bare verb (`stop`), the others are `category.verb`. */
export const AUDIT_ACTIONS = {
  container: ContainerAction.options,
  user: UserAuditAction.options,
  host: HostAuditAction.options,
  session: SessionAuditAction.options,
} as const satisfies Record<AuditCategory, readonly string[]>;

export const AuditAction = z.enum([
  ...AUDIT_ACTIONS.container,
  ...AUDIT_ACTIONS.user,
  ...AUDIT_ACTIONS.host,
  ...AUDIT_ACTIONS.session,
]);
export type AuditAction = z.infer<typeof AuditAction>;

/** The category an action belongs to: the part before the dot, or `container` for a bare verb. */
export function auditCategoryOf(action: AuditAction): AuditCategory {
  const dot = action.indexOf(".");
  return dot === -1 ? "container" : AuditCategory.parse(action.slice(0, dot));
}

/**
 * One row of the append-only audit log. `username`, `userId` and `role` are the actor: for the CLI
 * the username `cli` with no id or role; for a failed sign-in of an unknown name, the name as typed
 * with no id or role. `hostId` is set for container and host entries, `containerId` for container
 * entries only; `targetId`/`target` name the user or host acted on (id and name), null otherwise.
 */
export const AuditEntry = z.object({
  id: z.string(),
  time: EpochMs,
  category: AuditCategory,
  userId: z.string().nullable(),
  username: z.string(),
  role: Role.nullable(),
  hostId: z.string().nullable(),
  containerId: z.string().nullable(),
  containerName: z.string().nullable(),
  targetId: z.string().nullable(),
  target: z.string().nullable(),
  /** An AuditAction; kept a string so a dashboard reads the entries of a newer server too. */
  action: z.string(),
  protected: z.boolean(),
  result: AuditResult,
  reason: z.string().nullable(),
  /** What was done, where the action alone does not say: e.g. `role VIEWER → ADMIN, password changed`. */
  detail: z.string().nullable(),
  clientAddress: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditResponse = z.object({ entries: z.array(AuditEntry), nextCursor: z.string().nullable() });
export type AuditResponse = z.infer<typeof AuditResponse>;
