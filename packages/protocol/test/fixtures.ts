import {
  type ContainerInfo,
  type Hello,
  type LogLine,
  type MetricSample,
  PROTOCOL_VERSION,
} from "../src/index.ts";

export const CONTAINER_ID = "4f2b8c1d9e7a6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c";

export function container(overrides: Partial<ContainerInfo> = {}): ContainerInfo {
  return {
    id: CONTAINER_ID,
    names: ["/web"],
    image: "nginx:1.27",
    state: "running",
    status: "Up 3 minutes",
    created: 1_764_000_000_000,
    startedAt: "2026-11-24T10:00:00.123456789Z",
    finishedAt: null,
    exitCode: null,
    restartCount: 0,
    health: "healthy",
    labels: { "com.docker.compose.project": "shop" },
    ports: [{ privatePort: 80, publicPort: 8081, protocol: "tcp", ip: "127.0.0.1" }],
    composeProject: "shop",
    composeService: "web",
    tty: false,
    ...overrides,
  };
}

export function sample(overrides: Partial<MetricSample> = {}): MetricSample {
  return {
    containerId: CONTAINER_ID,
    t: 1_764_000_000_000,
    cpuPercent: 150.5,
    onlineCpus: 2,
    memUsedBytes: 10_485_760,
    memLimitBytes: 2_147_483_648,
    netRxBytes: 1_000,
    netTxBytes: 2_000,
    blkReadBytes: 0,
    blkWriteBytes: 4_096,
    pids: 3,
    ...overrides,
  };
}

export function logLine(overrides: Partial<LogLine> = {}): LogLine {
  return {
    containerId: CONTAINER_ID,
    ts: "2026-11-24T10:00:01.000000001Z",
    stream: "stdout",
    text: "hello",
    truncated: false,
    ...overrides,
  };
}

/** A `hello` as a protocol-level agent sends it, from a small Linux host named `hostname`. */
export function helloMessage(hostname: string, agentVersion = "test"): Hello {
  return {
    type: "hello",
    protocolVersion: PROTOCOL_VERSION,
    agentVersion,
    host: {
      hostname,
      os: "Linux",
      kernel: "6",
      architecture: "x86_64",
      cpus: 1,
      memoryBytes: 1,
      dockerVersion: "20.10",
      dockerApiVersion: "1.41",
      cgroupVersion: "1",
    },
  };
}
