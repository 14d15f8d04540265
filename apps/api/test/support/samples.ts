import { randomBytes } from "node:crypto";
import type { ContainerInfo, HostInfo, LogLine, MetricSample } from "@crowsnest/protocol";

export function containerId(): string {
  return randomBytes(32).toString("hex");
}

export const HOST_INFO: HostInfo = {
  hostname: "sim",
  os: "Debian",
  kernel: "6.1",
  architecture: "x86_64",
  cpus: 2,
  memoryBytes: 8 * 1024 ** 3,
  dockerVersion: "20.10.24",
  dockerApiVersion: "1.41",
  cgroupVersion: "1",
};

export function containerInfo(id: string, name: string, labels: Record<string, string> = {}): ContainerInfo {
  return {
    id,
    names: [`/${name}`],
    image: "crowsnest-test-busybox:latest",
    state: "running",
    status: "Up 1 second",
    created: Date.now() - 1_000,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    exitCode: null,
    restartCount: 0,
    health: "none",
    labels,
    ports: [],
    composeProject: null,
    composeService: null,
    tty: false,
  };
}

export function metricSample(
  id: string,
  t: number,
  cpuPercent = 12.5,
  memUsedBytes = 1_000_000,
): MetricSample {
  return {
    containerId: id,
    t,
    cpuPercent,
    onlineCpus: 2,
    memUsedBytes,
    memLimitBytes: 8 * 1024 ** 3,
    netRxBytes: 0,
    netTxBytes: 0,
    blkReadBytes: 0,
    blkWriteBytes: 0,
    pids: 1,
  };
}

export function logLine(id: string, t: number, text: string, stream: LogLine["stream"] = "stdout"): LogLine {
  return { containerId: id, ts: new Date(t).toISOString(), stream, text, truncated: false };
}
