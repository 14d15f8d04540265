import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_HEARTBEAT } from "../../apps/agent/src/connection/connection.ts";
import { dockerLogLines, numberedLinesScript, runTestContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

const execFileAsync = promisify(execFile);

/** Each step is held until lines written this long after it are stored: a few heartbeat checks, on the stepped clock. */
const HOLD_MS = DEFAULT_HEARTBEAT.pingMs * 2 + 2_000;

/** The wall clock of a process on `clock`, minus the real one, in seconds. */
async function offsetSeconds(clock: FakeClock): Promise<number> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ["-e", "process.stdout.write(String(Date.now()))"],
    {
      env: { ...process.env, ...clock.env },
    },
  );
  return Math.round((Number(stdout) - Date.now()) / 1000);
}

/**
 * A real agent whose wall clock is stepped by 90 s each way while it is connected (libfaketime):
 * heartbeats and timeouts run on the monotonic clock, so the server keeps the one connection it
 * had (the agent reaches it through a proxy that counts connections: a reconnect, and with it a
 * new hello, would be a second one) and every line is delivered.
 */
describe("the agent's wall clock stepped ±90 s while connected", () => {
  let rig: Rig;
  let proxy: TcpProxy;
  let clock: FakeClock;

  beforeAll(async () => {
    rig = await Rig.start("crowsnest.test=faults-clock-step");
    proxy = await TcpProxy.start(rig.server.options.port);
    clock = new FakeClock(rig.dir);
  });

  afterAll(async () => {
    await proxy?.close();
    await rig?.stop();
  });

  it("keeps its one connection and delivers every line", async () => {
    const { hostId, agent } = await rig.addAgent("stepped-clock", {
      serverUrl: `ws://127.0.0.1:${proxy.port}/ws/agent`,
      env: clock.env,
    });
    const api = await rig.admin();
    const containerId = await runTestContainer(rig.label, numberedLinesScript(20));
    const storedSince = async (since: number): Promise<boolean> =>
      (await api.allLogLines(hostId, containerId)).some((line) => Date.parse(line.ts) >= since);
    await waitFor(
      () => `the first lines\n${agent.output}`,
      () => storedSince(0),
    );
    expect(proxy.accepts).toHaveLength(1);

    for (const offset of [90, 0, -90]) {
      clock.set(offset);
      const steppedAt = Date.now();
      await waitFor("the stepped clock", async () => (await offsetSeconds(clock)) === offset);
      await waitFor(
        () => `lines written ${HOLD_MS} ms after the step to ${offset} s\n${agent.output}`,
        () => storedSince(steppedAt + HOLD_MS),
        HOLD_MS + 30_000,
        1_000,
      );
      expect(proxy.accepts, `connections after the step to ${offset} s`).toHaveLength(1);
    }

    await docker("kill", containerId);
    const written = await dockerLogLines(containerId);
    const stored = await waitFor(
      () => `all ${written.length} lines\n${agent.output}`,
      async () => {
        const lines = await api.allLogLines(hostId, containerId);
        return lines.length >= written.length ? lines.map((l) => l.text) : null;
      },
      60_000,
      1_000,
    );
    expect(stored).toEqual(written);
    expect(proxy.accepts).toHaveLength(1);
    expect(agent.running).toBe(true);
    expect(agent.output).not.toMatch(/nothing from the server/);
  }, 240_000);
});
