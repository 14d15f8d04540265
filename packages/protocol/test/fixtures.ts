import type { ContainerInfo, LogLine, MetricSample } from "../src/index.ts";

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
