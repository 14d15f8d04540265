import { readFileSync } from "node:fs";
import os from "node:os";
import { docker } from "../../test/support/docker-cli.ts";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  dockerVersion: string;
  dockerApiVersion: string;
  cgroup: string;
  storageDriver: string;
  node: string;
  netdata: string;
}

/** The machine the figures were measured on, as BENCHMARKS.md states it. */
export async function describeMachine(netdataVersion: string): Promise<Machine> {
  const info = JSON.parse(await docker("info", "--format", "{{json .}}")) as {
    CgroupVersion?: string;
    CgroupDriver?: string;
    Driver?: string;
    ServerVersion?: string;
  };
  const release = readFileSync("/etc/os-release", "utf8").match(/PRETTY_NAME="(.*)"/)?.[1] ?? "Linux";
  return {
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    os: release,
    dockerVersion: info.ServerVersion ?? "unknown",
    dockerApiVersion: await docker("version", "--format", "{{.Server.APIVersion}}"),
    cgroup: `v${info.CgroupVersion ?? "?"} (${info.CgroupDriver ?? "?"} driver)`,
    storageDriver: info.Driver ?? "unknown",
    node: process.version,
    netdata: netdataVersion,
  };
}
