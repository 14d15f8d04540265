import { readFileSync } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { MetricSample } from "@crowsnest/protocol/agent";
import type { TrackedContainer } from "../inventory/inventory.ts";
import type { Logger } from "../logger.ts";
import { cpuPercent, memoryLimit, memoryUsed, nonNegativeInt } from "./calculations.ts";
import {
  parseBlkioV1,
  parseFlatKeyed,
  parseIoStatV2,
  parseLimit,
  parseNetDev,
  parseProcCgroup,
  parseProcStatSystemNs,
} from "./cgroup-files.ts";
import type { StatsCollector } from "./collector.ts";
import { OpenFiles } from "./open-files.ts";

export type CgroupVersion = 1 | 2;

/** v2 when the unified hierarchy is mounted at the root; v1 when its controllers are; null when unreadable. */
export async function detectCgroupVersion(root: string): Promise<CgroupVersion | null> {
  if (await readable(join(root, "cgroup.controllers"))) return 2;
  if ((await readable(join(root, "cpuacct"))) && (await readable(join(root, "memory")))) return 1;
  return null;
}

export interface CgroupCollectorOptions {
  version: CgroupVersion;
  onlineCpus: number;
  machineMemory: number;
  log: Logger;
  cgroupRoot?: string;
  procRoot?: string;
}

interface Reading {
  cpuNs: number;
  memUsage: number;
  memStats: Record<string, number>;
  memLimit: number | null;
  pids: number;
  blk: { read: number; write: number };
}

interface ContainerState {
  pid: number;
  /** Its files' paths, made once per process rather than joined at every sample. */
  files: ContainerFiles;
  previous: { cpuNs: number; systemNs: number } | null;
}

/** Where one container's figures are. v1 and v2 name the files differently (see #readV1, #readV2). */
interface ContainerFiles {
  /** v1 cpuacct.usage (ns); v2 cpu.stat (usage_usec). */
  cpu: string;
  /** v1 memory.usage_in_bytes; v2 memory.current. */
  memUsage: string;
  memStat: string;
  /** v1 memory.limit_in_bytes; v2 memory.max. */
  memLimit: string;
  pids: string;
  /** v1 blkio.io_service_bytes_recursive (CFQ's, may be absent); v2 io.stat (may be absent). */
  blk: string;
  /** v1 only: blkio.throttle.io_service_bytes_recursive. */
  blkThrottle: string;
  /** /proc/<pid>/net/dev: the container's network namespace. */
  netDev: string;
}

/** memory.stat's keys that memoryUsed reads (v1, v2): the rest of the file is not parsed. */
const MEMORY_STAT_KEYS = ["total_inactive_file", "inactive_file"];

/** The owner under which the host's own files (/proc/stat) are kept open. */
const HOST = "";

/**
 * Reads each container's cgroup files directly: no request to dockerd per sample. Each file is
 * opened once and re-read through its descriptor (OpenFiles); a container's close when it goes.
 *
 * The reads are synchronous on purpose: these are tiny in-kernel pseudo-files that never block
 * on a disk, and a round trip through libuv's thread pool per file cost several times more CPU
 * than the read itself (measured with bench/agent.ts).
 */
export class CgroupCollector implements StatsCollector {
  readonly source = "cgroup";
  readonly #options: CgroupCollectorOptions;
  readonly #root: string;
  readonly #proc: string;
  readonly #state = new Map<string, ContainerState>();
  readonly #files = new OpenFiles();

  constructor(options: CgroupCollectorOptions) {
    this.#options = options;
    this.#root = options.cgroupRoot ?? "/sys/fs/cgroup";
    this.#proc = options.procRoot ?? "/proc";
  }

  async collect(containers: readonly TrackedContainer[]): Promise<MetricSample[]> {
    const systemNs = parseProcStatSystemNs(this.#files.read(HOST, join(this.#proc, "stat")));
    const now = Date.now();
    const wanted = new Set(containers.map((c) => c.info.id));
    for (const id of this.#state.keys()) if (!wanted.has(id)) this.#forget(id);
    const samples: MetricSample[] = [];
    for (const container of containers) {
      try {
        const sample = this.#sample(container, systemNs, now);
        if (sample !== null) samples.push(sample);
      } catch (err) {
        // A container that stopped since the inventory said "running" has no files any more.
        const gone = (err as NodeJS.ErrnoException).code === "ENOENT";
        this.#options.log[gone ? "debug" : "warn"]("cgroup read failed", {
          containerId: container.info.id,
          err,
        });
        this.#forget(container.info.id);
      }
    }
    return samples;
  }

  close(): void {
    this.#state.clear();
    this.#files.closeAll();
  }

  #forget(id: string): void {
    this.#state.delete(id);
    this.#files.closeOwner(id);
  }

  #sample(container: TrackedContainer, systemNs: number, now: number): MetricSample | null {
    const id = container.info.id;
    let state = this.#state.get(id);
    if (state === undefined || state.pid !== container.pid) {
      // A new process (the container restarted) has new files: the old descriptors go.
      this.#files.closeOwner(id);
      const procCgroup = readFileSync(join(this.#proc, String(container.pid), "cgroup"), "utf8");
      const files = this.#filesOf(parseProcCgroup(procCgroup), container.pid);
      state = { pid: container.pid, files, previous: null };
      this.#state.set(id, state);
    }
    const reading =
      this.#options.version === 1 ? this.#readV1(id, state.files) : this.#readV2(id, state.files);
    const previous = state.previous;
    state.previous = { cpuNs: reading.cpuNs, systemNs };
    if (previous === null) return null;
    // A host-network container has no interfaces of its own: /proc/<pid>/net/dev would be the host's.
    const net = container.hostNetwork ? null : this.#readNet(id, state.files);
    const { onlineCpus, machineMemory } = this.#options;
    return {
      containerId: id,
      t: now,
      cpuPercent: cpuPercent(reading.cpuNs - previous.cpuNs, systemNs - previous.systemNs, onlineCpus),
      onlineCpus,
      memUsedBytes: nonNegativeInt(memoryUsed(reading.memUsage, reading.memStats)),
      memLimitBytes: nonNegativeInt(memoryLimit(reading.memLimit, machineMemory)),
      netRxBytes: net && nonNegativeInt(net.rx),
      netTxBytes: net && nonNegativeInt(net.tx),
      blkReadBytes: nonNegativeInt(reading.blk.read),
      blkWriteBytes: nonNegativeInt(reading.blk.write),
      pids: nonNegativeInt(reading.pids),
    };
  }

  #readV1(id: string, files: ContainerFiles): Reading {
    const read = (path: string) => this.#files.read(id, path);
    const cpu = read(files.cpu);
    const usage = read(files.memUsage);
    const stat = read(files.memStat);
    const limit = read(files.memLimit);
    const pids = read(files.pids);
    const cfq = this.#files.readIfExists(id, files.blk) ?? "";
    const throttle = read(files.blkThrottle);
    // Like runc: the CFQ scheduler's counters when it has any, else the throttle counters.
    const cfqBytes = parseBlkioV1(cfq);
    const blk = cfqBytes.read + cfqBytes.write > 0 ? cfqBytes : parseBlkioV1(throttle);
    return {
      cpuNs: Number(cpu.trim()),
      memUsage: Number(usage.trim()),
      memStats: parseFlatKeyed(stat, MEMORY_STAT_KEYS),
      memLimit: parseLimit(limit),
      pids: Number(pids.trim()),
      blk,
    };
  }

  #readV2(id: string, files: ContainerFiles): Reading {
    const read = (path: string) => this.#files.read(id, path);
    const cpuStat = read(files.cpu);
    const current = read(files.memUsage);
    const stat = read(files.memStat);
    const max = read(files.memLimit);
    const pids = read(files.pids);
    const io = this.#files.readIfExists(id, files.blk) ?? "";
    return {
      cpuNs: (parseFlatKeyed(cpuStat, ["usage_usec"]).usage_usec ?? 0) * 1000,
      memUsage: Number(current.trim()),
      memStats: parseFlatKeyed(stat, MEMORY_STAT_KEYS),
      memLimit: parseLimit(max),
      pids: Number(pids.trim()),
      blk: parseIoStatV2(io),
    };
  }

  /** The container's files from its /proc/<pid>/cgroup directories; throws when a controller is missing. */
  #filesOf(dirs: Map<string, string>, pid: number): ContainerFiles {
    const at = (controller: string, name: string) => {
      const path = dirs.get(controller);
      if (path === undefined) throw new Error(`container has no ${controller || "v2"} cgroup`);
      return join(controller === "" ? this.#root : join(this.#root, controller), path, name);
    };
    const netDev = join(this.#proc, String(pid), "net", "dev");
    if (this.#options.version === 2) {
      return {
        cpu: at("", "cpu.stat"),
        memUsage: at("", "memory.current"),
        memStat: at("", "memory.stat"),
        memLimit: at("", "memory.max"),
        pids: at("", "pids.current"),
        blk: at("", "io.stat"),
        blkThrottle: "",
        netDev,
      };
    }
    return {
      cpu: at("cpuacct", "cpuacct.usage"),
      memUsage: at("memory", "memory.usage_in_bytes"),
      memStat: at("memory", "memory.stat"),
      memLimit: at("memory", "memory.limit_in_bytes"),
      pids: at("pids", "pids.current"),
      blk: at("blkio", "blkio.io_service_bytes_recursive"),
      blkThrottle: at("blkio", "blkio.throttle.io_service_bytes_recursive"),
      netDev,
    };
  }

  /** No network namespace to read (the agent cannot see the pid) means no traffic to report. */
  #readNet(id: string, files: ContainerFiles): { rx: number; tx: number } {
    return parseNetDev(this.#files.readIfExists(id, files.netDev) ?? "");
  }
}

async function readable(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
