import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import type { Store } from "../../src/store/store.ts";
import { containerInfo, logLine, metricSample, containerId as newContainerId } from "../support/samples.ts";
import { anyCredential, BACKENDS } from "./backends.ts";

/** The telemetry part of the Store contract; every backend runs these same cases. */
describe.each(BACKENDS)("Store contract, telemetry ($name)", ({ open }) => {
  let store: Store;
  let hostId: string;
  beforeEach(async () => {
    store = await open();
    hostId = (await store.hosts.create("h", 1_000, anyCredential())).id;
  });
  afterEach(async () => {
    await store.close();
  });

  it("stores a (host, seq) once; the same seq of another host is its own batch", async () => {
    const id = newContainerId();
    const other = (await store.hosts.create("other", 1_000, anyCredential())).id;
    const message = { type: "metrics" as const, seq: 7, samples: [metricSample(id, 60_000)] };
    expect(
      await store.telemetry.write([
        { kind: "batch", hostId, at: 2_000, message },
        { kind: "batch", hostId, at: 2_000, message },
        { kind: "batch", hostId: other, at: 2_000, message },
      ]),
    ).toEqual(["stored", "duplicate", "stored"]);
    const range = { hostId, containerId: id, from: 0, to: 120_000 };
    expect(await store.metrics.raw(range)).toHaveLength(1);
    expect(await store.metrics.rollups(range)).toEqual([
      expect.objectContaining({ t: 60_000, cpuPercent: 12.5 }),
    ]);
    expect((await store.hosts.get(hostId))?.lastSeen).toBe(2_000);
  });

  it("rolls samples up per minute with averages and maxima", async () => {
    const id = newContainerId();
    const samples = [10, 30, 20].map((cpu, i) => metricSample(id, 120_000 + i * 1_000, cpu, cpu * 100));
    await store.telemetry.write([
      { kind: "batch", hostId, at: 1, message: { type: "metrics", seq: 1, samples } },
    ]);
    const [point] = await store.metrics.rollups({ hostId, containerId: id, from: 0, to: 200_000 });
    expect(point).toMatchObject({
      t: 120_000,
      cpuPercent: 20,
      cpuPercentMax: 30,
      memUsedBytes: 2_000,
      memUsedBytesMax: 3_000,
    });
  });

  it("replaces the inventory with a snapshot and follows events, removing destroyed containers", async () => {
    const [a, b, c] = [newContainerId(), newContainerId(), newContainerId()];
    const snapshot = (ids: string[]) => ({
      type: "inventory" as const,
      time: 5,
      containers: ids.map((id) => containerInfo(id, id.slice(0, 6))),
    });
    await store.telemetry.write([{ kind: "inventory", hostId, at: 5, snapshot: snapshot([a, b]) }]);
    await store.telemetry.write([{ kind: "inventory", hostId, at: 6, snapshot: snapshot([b, c]) }]);
    expect((await store.containers.list(hostId)).map((s) => s.info.id).sort()).toEqual([b, c].sort());
    const stopped = { ...containerInfo(b, "b"), state: "exited" as const, exitCode: 137 };
    await store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: 7,
        message: {
          type: "events",
          seq: 1,
          events: [
            { containerId: b, action: "die", time: 7, exitCode: 137, container: stopped },
            { containerId: c, action: "destroy", time: 7, exitCode: null, container: null },
          ],
        },
      },
    ]);
    expect((await store.containers.list()).map((s) => [s.info.id, s.info.state, s.info.exitCode])).toEqual([
      [b, "exited", 137],
    ]);
    expect(await store.containers.get(hostId, c)).toBeNull();
  });

  it("keeps nanosecond log timestamps in order and pages with a position", async () => {
    const id = newContainerId();
    const lines = [
      "2026-01-01T00:00:00.000000002Z",
      "2026-01-01T00:00:00.00000001Z",
      "2026-01-01T00:00:00Z",
    ].map((ts, i) => ({ ...logLine(id, 0, `line ${i}`), ts }));
    await store.telemetry.write([
      { kind: "batch", hostId, at: 1, message: { type: "logs", seq: 1, lines, drops: [] } },
    ]);
    const query = {
      hostId,
      containerId: id,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2027-01-01")),
      words: null,
      stream: null,
      limit: 2,
      before: null,
    };
    const first = await store.logs.query(query);
    expect(first.lines.map((l) => l.text)).toEqual(["line 0", "line 1"]);
    const rest = await store.logs.query({ ...query, before: first.next });
    expect(rest.lines.map((l) => [l.text, l.ts])).toEqual([["line 2", "2026-01-01T00:00:00.000000000Z"]]);
    expect(rest.next).toBeNull();
  });

  it("places a batch on the server's time line: samples at t − offset, lines keep Docker's ts beside serverTs", async () => {
    const id = newContainerId();
    const hour = 3_600_000;
    const line = { ...logLine(id, 0, "late"), ts: "2026-01-01T01:00:00.123456789Z" };
    await store.telemetry.write([
      {
        kind: "batch",
        hostId,
        at: 1,
        message: { type: "metrics", seq: 1, samples: [metricSample(id, hour + 60_000)] },
        clockOffsetMs: hour,
      },
      {
        kind: "batch",
        hostId,
        at: 1,
        message: { type: "logs", seq: 2, lines: [line], drops: [] },
        clockOffsetMs: hour,
      },
    ]);
    const points = await store.metrics.raw({ hostId, containerId: id, from: 0, to: 10 * hour });
    expect(points.map((p) => p.t)).toEqual([60_000]);
    const { lines } = await store.logs.query({
      hostId,
      containerId: id,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2027-01-01")),
      words: null,
      stream: null,
      limit: 10,
      before: null,
    });
    expect(lines.map((l) => [l.ts, l.serverTs])).toEqual([
      ["2026-01-01T01:00:00.123456789Z", "2026-01-01T00:00:00.123456789Z"],
    ]);
  });

  it("searches log words as they read on screen, colour codes aside", async () => {
    const id = newContainerId();
    const lines = ["\x1b[32mINFO\x1b[0m ready", "plain INFO line", "\x1b[31mERROR\x1b[0m failed"].map(
      (text) => logLine(id, 0, text),
    );
    await store.telemetry.write([
      { kind: "batch", hostId, at: 1, message: { type: "logs", seq: 1, lines, drops: [] } },
    ]);
    const search = (words: string[]) =>
      store.logs.query({
        hostId,
        containerId: id,
        from: msToTs(0),
        to: msToTsEnd(Date.parse("2100-01-01")),
        words,
        stream: null,
        limit: 10,
        before: null,
      });
    expect((await search(["info"])).lines.map((l) => l.text)).toEqual([lines[0]?.text, lines[1]?.text]);
    expect((await search(["error", "failed"])).lines).toHaveLength(1);
    expect((await search(["32minfo"])).lines).toHaveLength(0);
  });
});
