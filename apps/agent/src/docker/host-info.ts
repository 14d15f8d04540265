import type { HostInfo } from "@crowsnest/protocol";
import { z } from "zod";
import type { DockerClient } from "./client.ts";

const DockerInfo = z.object({
  Name: z.string().default(""),
  OperatingSystem: z.string().default(""),
  KernelVersion: z.string().default(""),
  Architecture: z.string().default(""),
  NCPU: z.number().int().positive().default(1),
  MemTotal: z.number().int().nonnegative().default(0),
  ServerVersion: z.string().default(""),
  CgroupVersion: z.string().default("1"),
});

const DockerVersion = z.object({ ApiVersion: z.string().default("") });

/** What `hello` tells the server about this host, from the Engine's /info and /version. */
export async function fetchHostInfo(docker: DockerClient): Promise<HostInfo> {
  const info = DockerInfo.parse(await docker.json("/info"));
  const version = DockerVersion.parse(await docker.json("/version"));
  return {
    hostname: info.Name.slice(0, 1024),
    os: info.OperatingSystem.slice(0, 1024),
    kernel: info.KernelVersion.slice(0, 1024),
    architecture: info.Architecture.slice(0, 1024),
    cpus: info.NCPU,
    memoryBytes: info.MemTotal,
    dockerVersion: info.ServerVersion.slice(0, 1024),
    dockerApiVersion: version.ApiVersion.slice(0, 1024),
    cgroupVersion: info.CgroupVersion === "2" ? "2" : "1",
  };
}
