import { readFileSync } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { MetricSample } from "@crowsnest/protocol";
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
  /** v1: controller → directory; v2: "" → directory. */
  dirs: Map<string, string>;
  previous: { cpuNs: number; systemNs: number } | null;
}

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
      state = { pid: container.pid, dirs: parseProcCgroup(procCgroup), previous: null };
      this.#state.set(id, state);
    }
    const reading = this.#options.version === 1 ? this.#readV1(id, state.dirs) : this.#readV2(id, state.dirs);
    const previous = state.previous;
    state.previous = { cpuNs: reading.cpuNs, systemNs };
    if (previous === null) return null;
    // A host-network container has no interfaces of its own: /proc/<pid>/net/dev would be the host's.
    const net = container.hostNetwork ? null : this.#readNet(id, container.pid);
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

  #readV1(id: string, dirs: Map<string, string>): Reading {
    const file = (controller: string, name: string) => this.#read(id, dirs, controller, name);
    const cpu = file("cpuacct", "cpuacct.usage");
    const usage = file("memory", "memory.usage_in_bytes");
    const stat = file("memory", "memory.stat");
    const limit = file("memory", "memory.limit_in_bytes");
    const pids = file("pids", "pids.current");
    const cfq = optional(() => file("blkio", "blkio.io_service_bytes_recursive"));
    const throttle = file("blkio", "blkio.throttle.io_service_bytes_recursive");
    // Like runc: the CFQ scheduler's counters when it has any, else the throttle counters.
    const cfqBytes = parseBlkioV1(cfq);
    const blk = cfqBytes.read + cfqBytes.write > 0 ? cfqBytes : parseBlkioV1(throttle);
    return {
      cpuNs: Number(cpu.trim()),
      memUsage: Number(usage.trim()),
      memStats: parseFlatKeyed(stat),
      memLimit: parseLimit(limit),
      pids: Number(pids.trim()),
      blk,
    };
  }

  #readV2(id: string, dirs: Map<string, string>): Reading {
    const file = (name: string) => this.#read(id, dirs, "", name);
    const cpuStat = file("cpu.stat");
    const current = file("memory.current");
    const stat = file("memory.stat");
    const max = file("memory.max");
    const pids = file("pids.current");
    const io = optional(() => file("io.stat"));
    return {
      cpuNs: (parseFlatKeyed(cpuStat).usage_usec ?? 0) * 1000,
      memUsage: Number(current.trim()),
      memStats: parseFlatKeyed(stat),
      memLimit: parseLimit(max),
      pids: Number(pids.trim()),
      blk: parseIoStatV2(io),
    };
  }

  #read(id: string, dirs: Map<string, string>, controller: string, name: string): string {
    const path = dirs.get(controller);
    if (path === undefined) throw new Error(`container has no ${controller || "v2"} cgroup`);
    const mount = controller === "" ? this.#root : join(this.#root, controller);
    return this.#files.read(id, join(mount, path, name));
  }

  /** No network namespace to read (the agent cannot see the pid) means no traffic to report. */
  #readNet(id: string, pid: number): { rx: number; tx: number } {
    return parseNetDev(optional(() => this.#files.read(id, join(this.#proc, String(pid), "net", "dev"))));
  }
}

/** A file that some kernels do not have (io.stat without the io controller, CFQ counters): "" when absent. */
function optional(read: () => string): string {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
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
