import type { ContainerView, MetricsResponse } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTestContainer } from "../support/containers.ts";
import { FakeClock } from "../support/fake-clock.ts";
import { waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

const HOUR_S = 3_600;
/** "Within seconds": a sample a second, a probe a second, and room for a busy machine. */
const CLOSE_MS = 3_000;
/** The server's heartbeat (and with it the clock probe) interval in this test. */
const HEARTBEAT_MS = 1_000;

/**
 * A real agent under libfaketime, against a real server and a real container: its clock starts an
 * hour ahead, is set right while it runs, then put an hour behind. Through all of it the server
 * reports the offset it measures on the heartbeats, the REST metrics of the last 15 minutes and
 * the last hour hold the samples, and `latest` stays within seconds of the server's own time.
 */
describe("an agent whose wall clock is wrong", () => {
  let rig: Rig;
  let clock: FakeClock;

  beforeAll(async () => {
    rig = await Rig.start("crowsnest.test=faults-clock-offset", {
      serverEnv: { CROWSNEST_HEARTBEAT_MS: String(HEARTBEAT_MS) },
    });
    clock = new FakeClock(rig.dir);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it("is measured, shown and corrected: ahead, set right while running, then behind", async () => {
    clock.set(HOUR_S);
    const { hostId, agent } = await rig.addAgent("wrong-clock", { env: clock.env });
    const api = await rig.admin();
    const containerId = await runTestContainer(rig.label, "sleep 3600");
    const container = () => api.get<ContainerView>(`/api/hosts/${hostId}/containers/${containerId}`);

    for (const offsetS of [HOUR_S, 0, -HOUR_S]) {
      clock.set(offsetS);
      const steppedAt = Date.now();
      const context = (what: string) => () =>
        `${what} with the agent's clock at ${offsetS} s\n${agent.output}`;

      const host = await waitFor(context("the measured offset"), async () => {
        const found = await api.host(hostId);
        return (
          found.clockOffsetMs !== null && Math.abs(found.clockOffsetMs - offsetS * 1000) < CLOSE_MS && found
        );
      });
      expect(host.online).toBe(true);

      // The figures move on: samples taken after the step, placed at the server's time.
      const first = await waitFor(context("a latest sample taken after the step"), async () => {
        const { latest } = await container();
        return latest !== null && latest.t > steppedAt + HEARTBEAT_MS && latest;
      });
      expect(Math.abs(first.t - Date.now()), "latest against the server's now").toBeLessThan(CLOSE_MS);
      const next = await waitFor(context("the next latest sample"), async () => {
        const { latest } = await container();
        return latest !== null && latest.t > first.t && latest;
      });
      expect(Math.abs(next.t - Date.now()), "latest against the server's now").toBeLessThan(CLOSE_MS);

      for (const rangeMs of [15 * 60_000, 60 * 60_000]) {
        const now = Date.now();
        const { points } = await api.get<MetricsResponse>(
          `/api/hosts/${hostId}/containers/${containerId}/metrics?from=${now - rangeMs}&to=${now}`,
        );
        const label = `the last ${rangeMs / 60_000} min at ${offsetS} s`;
        expect(points.filter((p) => p.t > steppedAt).length, label).toBeGreaterThan(0);
        expect(
          points.some((p) => p.t === next.t),
          label,
        ).toBe(true);
      }
    }
    // Nothing was ever placed in the future, where it would freeze `latest` and the charts' right edge.
    const now = Date.now();
    const { points } = await api.get<MetricsResponse>(
      `/api/hosts/${hostId}/containers/${containerId}/metrics?from=${now - 60 * 60_000}&to=${now + 2 * 3_600_000}`,
    );
    expect(points.filter((p) => p.t > now + CLOSE_MS)).toEqual([]);
  });
});
