import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EngineStats } from "../src/docker/answers.ts";
import type { TrackedContainer } from "../src/inventory/inventory.ts";
import { createLogger } from "../src/logger.ts";
import { cpuPercent, memoryUsed } from "../src/metrics/calculations.ts";
import { CgroupCollector, detectCgroupVersion } from "../src/metrics/cgroup-collector.ts";
import { parseBlkioV1, parseProcCgroup, parseProcStatSystemNs } from "../src/metrics/cgroup-files.ts";
import { engineStatsToSample } from "../src/metrics/engine-stats.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const V2_ID = "2f1b9c3de4a5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f";
const GiB = 1024 ** 3;

const BINARY = { base: 1024, units: ["B", "KiB", "MiB", "GiB", "TiB"] };
const DECIMAL = { base: 1000, units: ["B", "kB", "MB", "GB", "TB"] };

/** A size as the Docker CLI prints it (go-units, 3 significant digits): `320KiB`, `3.15MB`, `0B`. */
function cliSize(bytes: number, { base, units }: typeof BINARY): string {
  let value = bytes;
  let unit = 0;
  while (value >= base && unit < units.length - 1) {
    value /= base;
    unit++;
  }
  return `${Number(value.toPrecision(3))}${units[unit]}`;
}

async function engineFixture(name: string): Promise<EngineStats> {
  return EngineStats.parse(JSON.parse(await readFile(join(FIXTURES, name), "utf8")));
}

describe("Engine stats JSON", () => {
  it("Engine 27 on cgroup v2 (no percpu_usage, inactive_file, lower-case blkio ops)", async () => {
    const sample = engineStatsToSample(V2_ID, await engineFixture("engine-27-cgroup-v2.json"), 16 * GiB);
    expect(sample).toEqual({
      containerId: V2_ID,
      t: Date.parse("2025-06-02T09:14:03.512034871Z"),
      // 0.25 s of CPU over 4 s of host CPU time on 4 CPUs: a quarter of one core.
      cpuPercent: 25,
      onlineCpus: 4,
      memUsedBytes: 52428800 - 12582912,
      memLimitBytes: 8331063296,
      netRxBytes: 123456,
      netTxBytes: 65432,
      blkReadBytes: 1048576 + 2097152,
      blkWriteBytes: 409600,
      pids: 7,
    });
  });

  it("Engine 20.10 on cgroup v1: what docker stats printed for the same reading", async () => {
    // Recorded on the CI machine through a socket proxy: the Engine's JSON is what
    // `docker stats --no-stream` read for a busy loop (--cpus 1 --memory 64m, 3 MiB written and read
    // with O_DIRECT), the row is what it printed. Ours, printed the CLI's way, must be that row.
    const stats = await engineFixture("engine-20.10-cgroup-v1.json");
    const { row } = JSON.parse(
      await readFile(join(FIXTURES, "engine-20.10-cgroup-v1.docker-stats.json"), "utf8"),
    );
    const sample = engineStatsToSample(row.Container, stats, 8 * GiB);
    if (sample === null) throw new Error("no sample from a reading with a previous one");
    expect(`${sample.cpuPercent.toFixed(2)}%`).toBe(row.CPUPerc);
    expect(`${cliSize(sample.memUsedBytes, BINARY)} / ${cliSize(sample.memLimitBytes, BINARY)}`).toBe(
      row.MemUsage,
    );
    expect(`${((sample.memUsedBytes / sample.memLimitBytes) * 100).toFixed(2)}%`).toBe(row.MemPerc);
    expect(`${cliSize(sample.blkReadBytes, DECIMAL)} / ${cliSize(sample.blkWriteBytes, DECIMAL)}`).toBe(
      row.BlockIO,
    );
    expect(
      `${cliSize(sample.netRxBytes ?? Number.NaN, DECIMAL)} / ${cliSize(sample.netTxBytes ?? Number.NaN, DECIMAL)}`,
    ).toBe(row.NetIO);
    expect(String(sample.pids)).toBe(row.PIDs);
  });

  it("has no sample for the first object of a stream (no previous CPU reading)", async () => {
    const stats = await engineFixture("engine-27-cgroup-v2.json");
    const first = { ...stats, precpu_stats: { cpu_usage: { total_usage: 0 } } };
    expect(engineStatsToSample(V2_ID, first, GiB)).toBeNull();
  });
});

describe("cgroup v2 files", () => {
  it("are found through /proc/<pid>/cgroup and computed like the Docker CLI", async () => {
    const root = await mkdtemp(join(tmpdir(), "crowsnest-cgroup-v2-"));
    await cp(join(FIXTURES, "cgroup-v2"), root, { recursive: true });
    const sys = join(root, "sys");
    const proc = join(root, "proc");
    expect(await detectCgroupVersion(sys)).toBe(2);
    const collector = new CgroupCollector({
      version: 2,
      onlineCpus: 2,
      machineMemory: 16 * GiB,
      log: createLogger("error"),
      cgroupRoot: sys,
      procRoot: proc,
    });
    const container = { info: { id: V2_ID }, pid: 4242 } as TrackedContainer;
    expect(await collector.collect([container])).toEqual([]); // first reading: no rate yet

    // One second later: the container used 0.5 s of CPU, the host 2 s (2 CPUs x 1 s = 200 ticks).
    const scope = join(sys, "system.slice", `docker-${V2_ID}.scope`);
    await writeFile(join(scope, "cpu.stat"), "usage_usec 5500000\nuser_usec 5000000\nsystem_usec 500000\n");
    await writeFile(join(proc, "stat"), "cpu  100100 0 50050 800050 1000 0 500 0 0 0\n");
    const [sample] = await collector.collect([container]);
    expect(sample).toMatchObject({
      containerId: V2_ID,
      cpuPercent: 50,
      onlineCpus: 2,
      memUsedBytes: 52428800 - 12582912,
      memLimitBytes: 16 * GiB, // memory.max "max"
      netRxBytes: 123456, // eth0 only: loopback is not the container's traffic
      netTxBytes: 65432,
      blkReadBytes: 1048576 + 2097152,
      blkWriteBytes: 409600,
      pids: 7,
    });
  });
});

describe("cgroup file parsers", () => {
  it("reads /proc/stat as the daemon does: 7 fields of USER_HZ ticks, in ns", () => {
    expect(parseProcStatSystemNs("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 1 1 1 1 1 1\n")).toBe(28 * 1e7);
  });

  it("maps v1 controllers (including combined ones) and the v2 line", () => {
    const map = parseProcCgroup("4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/docker/abc\n");
    expect(map.get("memory")).toBe("/docker/abc");
    expect(map.get("cpuacct")).toBe("/docker/abc");
    expect(map.get("")).toBe("/docker/abc");
  });

  it("sums v1 blkio reads and writes over devices, ignoring the Total line", () => {
    const text = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:16 Read 4096\nTotal 16384\n";
    expect(parseBlkioV1(text)).toEqual({ read: 8192, write: 8192 });
  });

  it("memory used is usage minus inactive file cache (total_inactive_file on v1)", () => {
    expect(memoryUsed(1000, { total_inactive_file: 300, inactive_file: 100 })).toBe(700);
    expect(memoryUsed(1000, { inactive_file: 100 })).toBe(900);
    expect(memoryUsed(1000, { inactive_file: 5000 })).toBe(1000);
    expect(cpuPercent(0, 100, 4)).toBe(0);
  });
});
