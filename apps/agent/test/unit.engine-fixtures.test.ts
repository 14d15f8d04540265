import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineStats } from "../src/docker/answers.ts";
import { EngineError } from "../src/docker/engine.ts";
import { fetchHostInfo } from "../src/docker/host-info.ts";
import { toContainerInfo } from "../src/docker/inspect.ts";
import { negotiateApiVersion, SocketEngine } from "../src/docker/socket-engine.ts";
import { parseDockerEvent } from "../src/inventory/docker-event.ts";
import { engineStatsToSample } from "../src/metrics/engine-stats.ts";
import { EngineReplay } from "./helpers/engine-replay.ts";

// SocketEngine's parsing on Engine answers replayed from fixtures: Engine 20.10 (API 1.41) as
// recorded from the test machine's Engine, Engine 29 (API 1.52, cgroup v2) written by hand from
// the API reference. The real-Engine tests (engine.docker.test.ts) check the same methods live.
const FIXTURES = join(import.meta.dirname, "fixtures");
const ENGINE_20 = join(FIXTURES, "engine-20.10");
const ENGINE_29 = join(FIXTURES, "engine-29");
const RUNNING = "c0df95ae6ab9df0aea6894d0ac7bfb8c5f2bc38b99ed1e1580634082f16188bc";
const STOPPED = "fd14b9d822ca7c79d3cc20817433bef58b10b145381aecf7484f08c6aec41c5b";
const V2_ID = "2f1b9c3de4a5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f";
const GiB = 1024 ** 3;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function refusal(promise: Promise<unknown>): Promise<EngineError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(err)}`);
  return err;
}

describe("API version negotiation", () => {
  it("asks for the Engine's own version up to 1.52, never below its minimum", () => {
    const version = (ApiVersion: string, MinAPIVersion: string) => ({
      Version: "",
      ApiVersion,
      MinAPIVersion,
    });
    expect(negotiateApiVersion(version("1.41", "1.12"))).toBe("1.41");
    expect(negotiateApiVersion(version("1.52", "1.44"))).toBe("1.52");
    expect(negotiateApiVersion(version("1.53", "1.44"))).toBe("1.52");
    expect(negotiateApiVersion(version("1.60", "1.55"))).toBe("1.55");
    expect(negotiateApiVersion(version("", ""))).toBe("");
  });
});

describe("Engine 20.10 (API 1.41, cgroup v1), recorded answers", () => {
  let replay: EngineReplay;
  let engine: SocketEngine;

  beforeAll(async () => {
    replay = await EngineReplay.start([ENGINE_20], 50);
    engine = new SocketEngine({ kind: "unix", socketPath: replay.socketPath });
  });
  afterAll(async () => {
    engine.close();
    await replay.close();
  });

  it("reads /version unversioned once, then asks every path in v1.41", async () => {
    expect(await fetchHostInfo(engine)).toMatchObject({
      dockerVersion: "20.10.24+dfsg1",
      dockerApiVersion: "1.41",
      cgroupVersion: "1",
      architecture: "x86_64",
    });
    await engine.listContainers();
    expect(replay.requests.filter((r) => r === "GET /version")).toHaveLength(2); // negotiation + fetchHostInfo
    expect(replay.requests).toContain("GET /v1.41/info");
    expect(replay.requests).toContain("GET /v1.41/containers/json?all=1");
  });

  it("lists and inspects containers", async () => {
    expect(await engine.listContainers()).toEqual([{ id: STOPPED }, { id: RUNNING }]);
    const info = toContainerInfo(await engine.inspectContainer(RUNNING));
    expect(info).toMatchObject({ id: RUNNING, state: "running", image: "crowsnest-test-busybox:latest" });
    expect(info.labels["crowsnest.test"]).toBe("engine-probe");
    expect(info.logs).toEqual({ driver: "json-file", unreadable: null });
  });

  it("maps Docker's refusals to codes, with Docker's own text", async () => {
    const missing = await refusal(engine.inspectContainer("0".repeat(64)));
    expect([missing.code, missing.message]).toEqual(["not_found", `No such container: ${"0".repeat(64)}`]);
    expect((await refusal(engine.stop(STOPPED, { t: 0 }))).code).toBe("already_in_state");
    const running = await refusal(engine.remove(RUNNING));
    expect([running.code, running.message]).toEqual([
      "conflict",
      expect.stringContaining("You cannot remove a running container"),
    ]);
    // Pausing an exited container is refused as such, not as "already paused".
    const pause = await refusal(engine.pause(STOPPED));
    expect([pause.code, pause.message]).toEqual(["conflict", `Container ${STOPPED} is not running`]);
    expect(await engine.logsUnreadable(STOPPED)).toBe("configured logging driver does not support reading");
  });

  it("parses the events stream into the actions the dashboard shows", async () => {
    const events = await collect(await engine.events({ since: 1 }, AbortSignal.timeout(5_000)));
    expect(events.map((e) => parseDockerEvent(e)?.action)).toEqual([
      "create",
      "start",
      "pause",
      "unpause",
      "kill",
      "die",
      "destroy",
      "create",
      "start",
    ]);
    const die = events.find((e) => e.Action === "die");
    expect(die && parseDockerEvent(die)?.exitCode).toBe(137);
  });

  it("streams stats: the first reading has no CPU rate yet, the second has", async () => {
    const readings = await collect(await engine.stats(RUNNING, AbortSignal.timeout(5_000)));
    const samples = readings.map((stats) => engineStatsToSample(RUNNING, stats, 8 * GiB));
    expect(samples[0]).toBeNull();
    expect(samples[1]).toMatchObject({ containerId: RUNNING, pids: 1, onlineCpus: 2 });
  });

  it("asks one-shot stats of every container at once (pre-25 one-shot waits for the daemon's tick)", async () => {
    const ids = [RUNNING, ...Array.from({ length: 11 }, (_, i) => String(i).padStart(64, "a"))];
    replay.maxInFlight = 0;
    const readings = await engine.statsOnce(ids);
    expect(replay.maxInFlight).toBe(12);
    const reading = readings.get(RUNNING) as EngineStats;
    expect(reading.precpu_stats.system_cpu_usage ?? 0).toBe(0);
    expect(reading.cpu_stats.system_cpu_usage).toBeGreaterThan(0);
    expect((readings.get(ids[1] ?? "") as EngineError).code).toBe("not_found");
  });
});

describe("Engine 29 (API 1.52, cgroup v2), answers written from the API reference", () => {
  let replay: EngineReplay;
  let engine: SocketEngine;

  beforeAll(async () => {
    replay = await EngineReplay.start([ENGINE_29], 50);
    engine = new SocketEngine({ kind: "unix", socketPath: replay.socketPath });
  });
  afterAll(async () => {
    engine.close();
    await replay.close();
  });

  it("asks in v1.52 and reads cgroup v2 from /info", async () => {
    expect(await fetchHostInfo(engine)).toMatchObject({
      dockerVersion: "29.0.0",
      dockerApiVersion: "1.52",
      cgroupVersion: "2",
      cpus: 4,
    });
    expect(replay.requests).toContain("GET /v1.52/info");
  });

  it("parses events without the status, id and from fields API 1.52 dropped", async () => {
    const events = await collect(await engine.events({}, AbortSignal.timeout(5_000)));
    expect(events.map((e) => parseDockerEvent(e))).toEqual([
      { containerId: V2_ID, action: "create", time: 1762768800000, exitCode: null },
      { containerId: V2_ID, action: "start", time: 1762768800200, exitCode: null },
      { containerId: V2_ID, action: "health_status", time: 1762768803100, exitCode: null },
      { containerId: V2_ID, action: "kill", time: 1762768806000, exitCode: null },
      { containerId: V2_ID, action: "die", time: 1762768806100, exitCode: 0 },
      { containerId: V2_ID, action: "stop", time: 1762768806100, exitCode: null },
    ]);
  });

  it("caps one-shot requests in flight (Engine 25+ answers at once) and reads cgroup v2 stats", async () => {
    const ids = [V2_ID, ...Array.from({ length: 11 }, (_, i) => String(i).padStart(64, "b"))];
    replay.maxInFlight = 0;
    const readings = await engine.statsOnce(ids);
    expect(replay.maxInFlight).toBe(8);
    const reading = readings.get(V2_ID) as EngineStats;
    // One-shot has no previous reading: given the stream fixture's, the figures are docker stats'.
    const streamed = JSON.parse(await readFile(join(FIXTURES, "engine-27-cgroup-v2.json"), "utf8"));
    const sample = engineStatsToSample(V2_ID, { ...reading, precpu_stats: streamed.precpu_stats }, 16 * GiB);
    expect(sample).toMatchObject({
      cpuPercent: 25,
      onlineCpus: 4,
      memUsedBytes: 52428800 - 12582912,
      pids: 7,
    });
  });
});
