import { z } from "zod";

// The Engine's answers, as far as the agent reads them; everything else it sends is ignored, so a
// field an Engine version adds or drops elsewhere changes nothing here. Field docs: the Engine API
// reference, https://docs.docker.com/reference/api/engine/ (v1.41 for Engine 20.10, v1.52 for
// Engine 29), and its version history (…/engine/version-history/).

/** `GET /version` ("SystemVersion"): `Version` is the Engine release, the others API versions ("1.41"). */
export const EngineVersion = z.object({
  Version: z.string().default(""),
  ApiVersion: z.string().default(""),
  MinAPIVersion: z.string().default(""),
});
export type EngineVersion = z.infer<typeof EngineVersion>;

/** `GET /info` ("SystemInfo"): `MemTotal` in bytes; `CgroupVersion` "1" or "2" (since API 1.40). */
export const EngineInfo = z.object({
  Name: z.string().default(""),
  OperatingSystem: z.string().default(""),
  KernelVersion: z.string().default(""),
  Architecture: z.string().default(""),
  NCPU: z.number().int().positive().default(1),
  MemTotal: z.number().int().nonnegative().default(0),
  ServerVersion: z.string().default(""),
  CgroupVersion: z.string().default("1"),
});
export type EngineInfo = z.infer<typeof EngineInfo>;

/** `GET /containers/json` ("ContainerList"): only the ids are read; each container is then inspected. */
export const ContainerList = z.array(z.object({ Id: z.string() }));

/**
 * `GET /containers/{id}/json` ("ContainerInspect"). Times are RFC 3339 with nanoseconds, Docker's
 * zero time `0001-01-01T00:00:00Z` meaning never; `Pid` 0 when not running. The fields read here
 * are the same from API 1.41 to 1.52 (v1.44/v1.45 dropped or deprecated only others, such as
 * the short id in `Aliases`).
 */
export const DockerInspect = z.object({
  Id: z.string(),
  Name: z.string(),
  Created: z.string(),
  RestartCount: z.number().int().nonnegative().default(0),
  State: z.object({
    Status: z.string(),
    ExitCode: z.number().int().default(0),
    OOMKilled: z.boolean().default(false),
    Pid: z.number().int().default(0),
    StartedAt: z.string().default(""),
    FinishedAt: z.string().default(""),
    Health: z.object({ Status: z.string() }).nullish(),
  }),
  Config: z.object({
    Image: z.string().default(""),
    Tty: z.boolean().default(false),
    Labels: z.record(z.string(), z.string()).nullish(),
  }),
  HostConfig: z
    .object({
      LogConfig: z.object({ Type: z.string().default("") }).nullish(),
      /** `host` for a container on the host's network namespace (`--network host`); see hasHostNetwork. */
      NetworkMode: z.string().default(""),
    })
    .nullish(),
  NetworkSettings: z
    .object({
      Ports: z
        .record(z.string(), z.array(z.object({ HostIp: z.string(), HostPort: z.string() })).nullable())
        .nullish(),
    })
    .nullish(),
});
export type DockerInspect = z.infer<typeof DockerInspect>;

/**
 * One line of `GET /events` ("SystemEvents"): `time` in seconds, `timeNano` in nanoseconds.
 * Only `Type`, `Action` and `Actor` are read: API 1.52 no longer sends the `status`, `id` and
 * `from` fields that older Engines still added.
 */
export const DockerEventMessage = z.object({
  Type: z.string(),
  Action: z.string(),
  Actor: z.object({ ID: z.string(), Attributes: z.record(z.string(), z.string()).nullish() }),
  timeNano: z.number().optional(),
  time: z.number().optional(),
});
export type DockerEventMessage = z.infer<typeof DockerEventMessage>;

const CpuStats = z.object({
  cpu_usage: z.object({ total_usage: z.number().default(0), percpu_usage: z.array(z.number()).nullish() }),
  system_cpu_usage: z.number().nullish(),
  online_cpus: z.number().nullish(),
});

/**
 * One object of `GET /containers/{id}/stats` ("ContainerStats"), cgroup v1 or v2, any Engine
 * from 20.10 on. CPU figures are cumulative nanoseconds; memory and I/O in bytes. cgroup v2
 * differs in what is present, not in the shape: no `percpu_usage`, `memory_stats.stats` with
 * `inactive_file` instead of `total_inactive_file`, lower-case blkio `op`s (Read → read).
 */
export const EngineStats = z.object({
  read: z.string(),
  cpu_stats: CpuStats,
  precpu_stats: CpuStats,
  memory_stats: z
    .object({
      usage: z.number().nullish(),
      limit: z.number().nullish(),
      stats: z.record(z.string(), z.number()).nullish(),
    })
    .default({}),
  networks: z.record(z.string(), z.object({ rx_bytes: z.number(), tx_bytes: z.number() })).nullish(),
  blkio_stats: z
    .object({
      io_service_bytes_recursive: z.array(z.object({ op: z.string(), value: z.number() })).nullish(),
    })
    .default({}),
  pids_stats: z.object({ current: z.number().nullish() }).default({}),
});
export type EngineStats = z.infer<typeof EngineStats>;
