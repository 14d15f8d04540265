import type { HostInfo } from "@crowsnest/protocol/agent";
import type { EngineSystem } from "./engine.ts";

/** What `hello` tells the server about this host, from the Engine's `/info` and `/version`; throws EngineError. */
export async function fetchHostInfo(engine: Pick<EngineSystem, "info" | "version">): Promise<HostInfo> {
  const info = await engine.info();
  const version = await engine.version();
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
