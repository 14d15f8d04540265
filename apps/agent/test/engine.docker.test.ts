import { afterAll, describe, expect, it } from "vitest";
import type { DockerEventMessage } from "../src/docker/answers.ts";
import { EngineError, type EngineErrorCode } from "../src/docker/engine.ts";
import { SocketEngine } from "../src/docker/socket-engine.ts";
import { createContainer, docker, removeTestContainers, runContainer } from "./helpers/docker.ts";

// Each DockerEngine method once against the real Engine, refusals included. Parsing of other
// Engine versions' answers: unit.engine-fixtures.test.ts.
const NO_SUCH = "0".repeat(64);

async function codeOf(promise: Promise<unknown>): Promise<EngineErrorCode | "resolved"> {
  return promise.then(
    () => "resolved" as const,
    (err: unknown) => {
      if (err instanceof EngineError) return err.code;
      throw err;
    },
  );
}

const stateOf = (id: string) => docker("inspect", "--format", "{{.State.Status}}", id);

describe("SocketEngine on the real Engine", () => {
  const engine = new SocketEngine({ kind: "unix", socketPath: "/var/run/docker.sock" });

  afterAll(async () => {
    engine.close();
    await removeTestContainers();
  });

  it("pings, and reads the version and info", async () => {
    await engine.ping();
    const version = await engine.version();
    expect(version.ApiVersion).toBe(await docker("version", "--format", "{{.Server.APIVersion}}"));
    const info = await engine.info();
    expect(info.NCPU).toBeGreaterThan(0);
    expect(info.ServerVersion).toBe(version.Version);
  });

  it("lists and inspects containers; an unknown one is not_found", async () => {
    const id = await runContainer({ command: ["sleep", "600"] });
    expect((await engine.listContainers()).map((c) => c.id)).toContain(id);
    const inspected = await engine.inspectContainer(id);
    expect([inspected.Id, inspected.State.Status]).toEqual([id, "running"]);
    expect(await codeOf(engine.inspectContainer(NO_SUCH))).toBe("not_found");
  });

  it("streams events from the subscription on", async () => {
    const stop = new AbortController();
    const events = await engine.events({}, stop.signal);
    const id = await createContainer({ command: ["true"] });
    const seen: DockerEventMessage[] = [];
    for await (const event of events) {
      seen.push(event);
      if (event.Actor.ID === id && event.Action === "create") break;
    }
    stop.abort();
    expect(seen.at(-1)).toMatchObject({ Type: "container", Action: "create", Actor: { ID: id } });
  });

  it("reads logs with timestamps, since and tail, and probes whether a driver is readable", async () => {
    const id = await runContainer({ command: ["sh", "-c", "echo one; echo two; sleep 600"] });
    await expect.poll(() => docker("logs", id)).toContain("two");
    let text = "";
    for await (const chunk of await engine.logs(
      id,
      { follow: false, timestamps: true, tail: 1 },
      AbortSignal.timeout(10_000),
    )) {
      text += chunk.subarray(8).toString("utf8"); // one frame per line: its 8-byte header, then the line
    }
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\S+Z two\n$/);
    const since = Math.floor(Date.now() / 1000) + 60;
    let later = "";
    for await (const chunk of await engine.logs(
      id,
      { follow: false, timestamps: false, since },
      AbortSignal.timeout(10_000),
    )) {
      later += chunk.toString("utf8");
    }
    expect(later).toBe("");
    expect(await engine.logsUnreadable(id)).toBeNull();
    const silent = await runContainer({ args: ["--log-driver", "none"], command: ["sleep", "600"] });
    expect(await engine.logsUnreadable(silent)).toMatch(/does not support reading/);
    expect(await codeOf(engine.logsUnreadable(NO_SUCH))).toBe("not_found");
  });

  it("reads a container's logging driver and its options", async () => {
    const rotated = await createContainer({
      args: ["--log-opt", "max-size=4k", "--log-opt", "max-file=2"],
      command: ["true"],
    });
    expect(await engine.logConfig(rotated)).toEqual({
      driver: "json-file",
      options: { "max-size": "4k", "max-file": "2" },
    });
    const silent = await createContainer({ args: ["--log-driver", "none"], command: ["true"] });
    expect(await engine.logConfig(silent)).toEqual({ driver: "none", options: {} });
    expect(await codeOf(engine.logConfig(NO_SUCH))).toBe("not_found");
  });

  it("streams stats and reads one-shot stats", async () => {
    const id = await runContainer({ command: ["sleep", "600"] });
    const stop = new AbortController();
    const readings = [];
    for await (const stats of await engine.stats(id, stop.signal)) {
      readings.push(stats);
      if (readings.length === 2) break;
    }
    stop.abort();
    expect(readings[1]?.precpu_stats.system_cpu_usage).toBeGreaterThan(0);
    const once = await engine.statsOnce([id, NO_SUCH]);
    expect(once.get(id)).toMatchObject({ cpu_stats: { cpu_usage: { total_usage: expect.any(Number) } } });
    expect((once.get(NO_SUCH) as EngineError).code).toBe("not_found");
  });

  it("runs every action, and says when the container is already there", async () => {
    const id = await runContainer({ command: ["sleep", "600"] });
    expect(await codeOf(engine.start(id))).toBe("already_in_state");
    await engine.stop(id, { t: 0 });
    expect(await stateOf(id)).toBe("exited");
    expect(await codeOf(engine.stop(id, { t: 0 }))).toBe("already_in_state");
    expect(await codeOf(engine.pause(id))).toBe("conflict");
    await engine.start(id);
    await engine.restart(id, { t: 0 });
    expect(await stateOf(id)).toBe("running");
    await engine.pause(id);
    expect(await codeOf(engine.pause(id))).toBe("already_in_state");
    await engine.unpause(id);
    expect(await codeOf(engine.unpause(id))).toBe("already_in_state");
    expect(await codeOf(engine.remove(id))).toBe("conflict");
    await engine.kill(id, { signal: "SIGKILL" });
    expect(await stateOf(id)).toBe("exited");
    await engine.start(id);
    await engine.remove(id, { force: true });
    expect(await codeOf(engine.remove(id))).toBe("not_found");
    expect(await codeOf(engine.kill(NO_SUCH))).toBe("not_found");
  });

  it("is unavailable, as an EngineError, when nothing listens", async () => {
    const nowhere = new SocketEngine({ kind: "unix", socketPath: "/nonexistent/crowsnest-test.sock" });
    expect(await codeOf(nowhere.ping())).toBe("unavailable");
    expect(await codeOf(nowhere.inspectContainer(NO_SUCH))).toBe("unavailable");
    nowhere.close();
  });
});
